import "reflect-metadata";
import { loadConfig, loadLogLevel } from "../config/config.js";
import { createLogger } from "../observability/logger.js";
import { stopOnSignals } from "../process/lifecycle.js";
import { runWorker } from "./run-worker.js";
import { exitOnStartupFailure } from "../process/startup-failure.js";

/** `npm run start:worker`: the background worker alone; run as many copies as the queues need. */
const log = createLogger(loadLogLevel());
try {
  const config = loadConfig();
  stopOnSignals(log, [await runWorker(config, log)], config.shutdownGraceMs);
} catch (error) {
  exitOnStartupFailure(log, error);
}
