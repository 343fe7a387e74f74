import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs. Anything that could carry a secret is redacted by path, so a careless
 * `log.info({ input })` cannot leak a password or a token.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? "info", destination?: DestinationStream): Logger {
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
