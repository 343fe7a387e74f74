import "reflect-metadata";
import { openDatabase } from "./bootstrap.js";
import { loadConfig, loadLogLevel, redisTarget } from "../config/config.js";
import { createLogger } from "../observability/logger.js";
import { createRedis } from "../redis/connection.js";
import { createServices } from "./services.js";

/**
 * `npm run ranking:rebuild`: recounts the ranking from the database into a fresh generation of keys
 * and switches to it (RankingService.rebuild). Exact while the API and workers run: events counted
 * meanwhile are counted once, and readers keep the old ranking until the switch.
 */
const log = createLogger(loadLogLevel());
const config = loadConfig();
const database = await openDatabase(config, log);
const redis = createRedis(redisTarget(config), log);
try {
  const { ranking } = createServices({ db: database.db, pool: database.pool, redis, config, log });
  const report = await ranking.rebuild({ force: true });
  if (report === null) {
    log.error("another process is rebuilding the ranking right now; try again when it has finished");
    process.exitCode = 1;
  }
} finally {
  await Promise.allSettled([database.close(), redis.quit()]);
}
