import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/config.js";

export type { Logger };

/**
 * Structured JSON logs. Anything that could carry a secret is redacted by path, so a careless
 * `log.info({ input })` cannot leak a password or a token. The level comes from the caller
 * (src/config's loadLogLevel reads LOG_LEVEL): config is the one reader of the environment.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "ecommerce-order-service" },
    redact: {
      paths: [
        "password",
        "*.password",
        "*.*.password",
        "token",
        "*.token",
        "authorization",
        "*.authorization",
        "*.headers.authorization",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
