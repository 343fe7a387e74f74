import "reflect-metadata";
import { loadConfig, usesDevJwtSecret } from "./config.js";
import { createLogger } from "./logger.js";
import { startOrExit, stopOnSignals } from "./process-lifecycle.js";
import { runApi } from "./run-api.js";

/** `npm run start:api`: the GraphQL API alone, as many copies as needed behind a load balancer. */
const log = createLogger();
await startOrExit(log, async () => {
  const config = loadConfig();
  if (usesDevJwtSecret(config)) log.warn("JWT_SECRET is not set: using the development secret (never in production)");
  stopOnSignals(log, [await runApi(config, log)], config.shutdownGraceMs);
});
