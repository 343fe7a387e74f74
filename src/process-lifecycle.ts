import { ConfigError } from "./config.js";
import type { Logger } from "./logger.js";
import type { Running } from "./run-api.js";

/**
 * Runs a composition root's start-up. A ConfigError (a setting the operator must change, from
 * loadConfig or from the start-up data) ends the process with one log line saying what to change,
 * and exit code 1: a stack trace would only bury that line. Anything else keeps its stack.
 */
export async function startOrExit(log: Logger, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.fatal(error.message);
    process.exit(1);
  }
}

/**
 * SIGTERM / SIGINT: stop every running part (in-flight requests and jobs finish first), then exit.
 * A second signal while stopping is ignored; the orchestrator's own kill timeout is the backstop.
 */
export function stopOnSignals(log: Logger, parts: Running[], graceMs: number): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: finishing in-flight work");
    // Backstop: a part that cannot stop (a dependency gone quiet) must not keep the process alive.
    setTimeout(() => {
      log.error({ graceMs }, "shutdown took too long: exiting anyway");
      process.exit(1);
    }, graceMs + 5_000).unref();
    const results = await Promise.allSettled(parts.map((part) => part.stop()));
    const failed = results.filter((result) => result.status === "rejected");
    for (const failure of failed) log.error({ err: failure.reason }, "error while stopping");
    log.info("stopped");
    process.exit(failed.length === 0 ? 0 : 1);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
