/**
 * The environment for a server process a test starts (redis-server, mariadbd): the test's own, minus
 * libfaketime's. `npm run test:dates` runs the tests under faketime to move their clock; the servers
 * they start keep the real clock, as servers on other hosts would, so that a test counting on the
 * servers sharing its clock fails there.
 */
export function serverEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== "LD_PRELOAD" && !name.startsWith("FAKETIME")),
  );
}
