import { ConfigError } from "../config/config.js";
import type { Logger } from "../observability/logger.js";

/** A port another process holds; `variable` is the setting that chose it. */
class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(
    readonly port: number,
    readonly variable: string,
  ) {
    super(
      `port ${port} is already in use (set by ${variable}): stop the process holding it, or set ${variable} to a free port`,
    );
  }
}

/**
 * For `listen(...).catch(portInUse("PORT", port))`: turns EADDRINUSE into a PortInUseError naming the
 * variable that chose the port, and passes any other error on.
 */
export const portInUse =
  (variable: string, port: number) =>
  (error: unknown): never => {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") throw new PortInUseError(port, variable);
    throw error;
  };

/**
 * What an entry point does when it cannot start: a setting the operator can fix (a bad variable, a
 * taken port) is one plain log line and exit code 1, no stack; anything else is logged with its
 * stack for a developer, also exit code 1.
 */
export function exitOnStartupFailure(log: Logger, error: unknown): never {
  if (error instanceof PortInUseError || error instanceof ConfigError) log.fatal(error.message);
  else log.fatal({ err: error }, "failed to start");
  process.exit(1);
}
