import type { Logger } from "../observability/logger.js";

/** A part of the process (the API, the worker, the fake platform) that can be stopped. */
export interface Running {
  /** Finishes in-flight work, then closes every connection this part opened. */
  stop(): Promise<void>;
}

/**
 * SIGTERM / SIGINT: stop every running part (in-flight requests and jobs finish first), then exit.
 * A second signal while stopping is ignored; the orchestrator's own kill timeout is the backstop.
 * `parts` is read when the signal comes, so it may be installed before the parts have started and
 * filled in as each one does.
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
