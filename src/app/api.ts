import "reflect-metadata";
import { loadConfig, loadLogLevel, usesDevJwtSecret } from "../config/config.js";
import { createLogger } from "../observability/logger.js";
import { stopOnSignals } from "../process/lifecycle.js";
import { runApi } from "./run-api.js";
import { exitOnStartupFailure } from "../process/startup-failure.js";

/** `npm run start:api`: the GraphQL API alone, as many copies as needed behind a load balancer. */
const log = createLogger(loadLogLevel());
try {
  const config = loadConfig();
  if (usesDevJwtSecret(config)) log.warn("JWT_SECRET is not set: using the development secret (never in production)");
  stopOnSignals(log, [await runApi(config, log)], config.shutdownGraceMs);
} catch (error) {
  exitOnStartupFailure(log, error);
}
