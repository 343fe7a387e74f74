import "reflect-metadata";
import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { startOrExit, stopOnSignals } from "./process-lifecycle.js";
import { runWorker } from "./run-worker.js";

/** `npm run start:worker`: the background worker alone; run as many copies as the queues need. */
const log = createLogger();
await startOrExit(log, async () => {
  const config = loadConfig();
  stopOnSignals(log, [await runWorker(config, log)], config.shutdownGraceMs);
});
