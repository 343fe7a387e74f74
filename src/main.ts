import "reflect-metadata";
import { loadConfig, usesDevJwtSecret } from "./config.js";
import { createLogger } from "./logger.js";
import { stopOnSignals } from "./process-lifecycle.js";
import { runApi } from "./run-api.js";

/**
 * `npm start`: everything in one process, for a laptop or a demo. Production runs the parts apart
 * (src/api.ts; the worker joins with the order-event pipeline).
 */
const log = createLogger();
const config = loadConfig();
if (usesDevJwtSecret(config)) log.warn("JWT_SECRET is not set: using the development secret (never in production)");

stopOnSignals(log, [await runApi(config, log)]);
