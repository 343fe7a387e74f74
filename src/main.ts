import "reflect-metadata";
import { loadConfig, usesDevJwtSecret } from "./config.js";
import { loadStartupData, openDatabase } from "./bootstrap.js";
import { createApiServer } from "./http/server.js";
import { createLogger } from "./logger.js";
import { createRedis } from "./redis/connection.js";
import { createServices } from "./services.js";

/**
 * `npm start`: everything in one process for a laptop or a demo: migrations, start-up data and the
 * API. Production runs the API and the worker apart (src/api.ts, src/worker.ts).
 */
const log = createLogger();
const config = loadConfig();
if (usesDevJwtSecret(config)) log.warn("JWT_SECRET is not set: using the development secret (never in production)");

const database = await openDatabase(config, log);
const redis = createRedis(config.redisUrl, log);
const services = createServices(database.db, config);
await loadStartupData(config, database, services, log);

const api = await createApiServer({ config, log, database, redis, services });
const address = await api.listen(config.port);
log.info({ port: address.port }, `API ready: http://localhost:${address.port}/graphql`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down: finishing in-flight requests");
  await api.stop();
  await Promise.allSettled([database.close(), redis.quit()]);
  log.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
