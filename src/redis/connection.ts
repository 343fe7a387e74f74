import { Redis } from "ioredis";
import type { Logger } from "../logger.js";

/**
 * A Redis connection for request-path reads and writes. Commands give up after one retry rather
 * than queueing for ever: callers of Redis in the request path always have a fallback.
 */
export function createRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: false });
  let lastLoggedAt = 0;
  redis.on("error", (error: Error) => {
    // ioredis reconnects by itself; log an outage once a minute rather than on every retry.
    if (Date.now() - lastLoggedAt > 60_000) {
      lastLoggedAt = Date.now();
      log.warn({ err: { message: error.message } }, "redis connection error");
    }
  });
  return redis;
}
