import { createLogger } from "../observability/logger.js";
import { stopOnSignals } from "../process/lifecycle.js";
import { exitOnStartupFailure, portInUse } from "../process/startup-failure.js";
import { createFakeDataPlatform } from "./fake-platform.js";

/**
 * The fake data platform on its own: `node dist/src/fake-data-platform/main.js` (or `npm run data-platform`).
 * Point the service at it with DATA_PLATFORM_URL=http://<host>:<port>/events.
 *
 * It reads process.env itself instead of going through src/config.ts: this process is not the
 * service but a stand-in for a system outside it, so it must not need (or validate) the service's
 * settings such as DATABASE_URL or JWT_SECRET.
 */

function numberFromEnv(name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `${name} must be ${integer ? "an integer" : "a number"} between ${min} and ${max}, got "${raw}"`,
    );
  }
  return value;
}

const log = createLogger().child({ component: "fake-data-platform" });

try {
  const port = numberFromEnv("PORT", 4100, 0, 65_535, true);
  const failRate = numberFromEnv("FAKE_PLATFORM_FAIL_RATE", 0, 0, 1, false);
  const delayMs = numberFromEnv("FAKE_PLATFORM_DELAY_MS", 0, 0, 60_000, true);

  const platform = createFakeDataPlatform({ failRate, delayMs });
  const address = await platform.listen(port, "0.0.0.0").catch(portInUse("PORT", port));
  log.info(
    { port: address.port, failRate, delayMs },
    `fake data platform ready: POST http://localhost:${address.port}/events`,
  );
  stopOnSignals(log, [{ stop: () => platform.close() }], 5_000);
} catch (error) {
  exitOnStartupFailure(log, error);
}
