import type { ConnectionOptions, DefaultJobOptions } from "bullmq";
import type { RedisOptions } from "ioredis";
import { connectRedis, type RedisClient, type RedisTarget } from "../redis/connection.js";
import type { OrderEvent } from "../outbox/order-event.js";

/**
 * The queues order events travel on. Each consumer has its own queue, so a data platform outage
 * retries deliveries without holding back the ranking, and the other way round.
 */
export const QueueName = {
  RANKING: "ranking",
  DATA_PLATFORM: "data-platform",
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Every job carries one outbox event; the job id is the event id, so enqueueing twice is one job. */
export interface OrderEventJob {
  outboxId: number;
  event: OrderEvent;
}

/**
 * BullMQ's key prefix. The braces are a Redis Cluster hash tag: all keys of a queue land on one slot,
 * which BullMQ's multi-key scripts need.
 */
export const queuePrefix = (redisPrefix: string): string => `{${redisPrefix}:bull}`;

/**
 * Retries with exponential backoff (by default 1 s, 2 s, 4 s ... about 17 minutes in all), then the
 * failed set, where an operator can inspect and retry jobs. Completed jobs go after a day, failed
 * ones after a week: every message has its TTL.
 */
export const eventJobOptions = (retryBaseMs: number): DefaultJobOptions => ({
  attempts: 10,
  backoff: { type: "exponential", delay: retryBaseMs },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

/**
 * Connections for BullMQ. A single server is given as options and BullMQ owns the connection; a
 * cluster is given as an ioredis Cluster, which BullMQ treats as shared and never closes, so the
 * caller keeps it in `owned` and closes it after the queues or workers.
 */
export class QueueConnections {
  private readonly owned: RedisClient[] = [];

  constructor(private readonly target: RedisTarget) {}

  /** Producers must fail fast when Redis is down: the relay retries later. */
  producer(): ConnectionOptions {
    return this.make({ maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
  }

  /** Workers block waiting for jobs, so their commands must wait out a reconnect. */
  worker(): ConnectionOptions {
    return this.make({ maxRetriesPerRequest: null });
  }

  private make(options: Pick<RedisOptions, "maxRetriesPerRequest" | "enableOfflineQueue" | "connectTimeout">): ConnectionOptions {
    if (!this.target.cluster) {
      return { url: this.target.url, maxRetriesPerRequest: options.maxRetriesPerRequest, enableOfflineQueue: options.enableOfflineQueue, connectTimeout: options.connectTimeout };
    }
    const cluster = connectRedis(this.target, options);
    this.owned.push(cluster);
    return cluster;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.owned.map((client) => client.quit()));
  }
}
