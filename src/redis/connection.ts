import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../observability/logger.js";

/** A single Redis server or a Redis Cluster: every command the service sends works on both. */
export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url: string;
  /** REDIS_CLUSTER=true: `url` is one seed node; the others are discovered from it. */
  cluster: boolean;
}

/** Opens a connection to `target` with per-node options; a cluster shares them across its nodes. */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if (!target.cluster) return new Redis(target.url, options);
  const seed = new URL(target.url);
  const auth = {
    username: decodeURIComponent(seed.username) || undefined,
    password: decodeURIComponent(seed.password) || undefined,
  };
  return new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
    redisOptions: { ...auth, ...options },
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    // The cluster client retries MOVED/ASK and topology refreshes itself; a command fails after that.
    maxRedirections: 16,
  });
}

/**
 * A Redis connection for request-path reads and writes. Commands give up after one retry rather
 * than queueing for ever: callers of Redis in the request path always have a fallback.
 */
export function createRedis(target: RedisTarget, log: Logger): RedisClient {
  const redis = connectRedis(target, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
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
