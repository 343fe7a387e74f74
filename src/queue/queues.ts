import type { BackoffStrategy, ConnectionOptions, DefaultJobOptions } from "bullmq";
import type { Consumer } from "../outbox/outbox.repository.js";
import { cappedBackoffMs } from "../outbox/outbox.rules.js";
import type { RedisOptions } from "ioredis";
import { connectRedis, type RedisClient, type RedisTarget } from "../redis/connection.js";
import type { OrderEvent } from "../outbox/order-event.js";

/**
 * The queues order events travel on. Each consumer has its own queue, so a data platform outage
 * retries deliveries without holding back the ranking, and the other way round. A queue is named as
 * the consumer whose confirmations the outbox records.
 */
export const QueueName = {
  RANKING: "ranking",
  DATA_PLATFORM: "data-platform",
} as const satisfies Record<string, Consumer>;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/**
 * One outbox event on its way to a consumer. Its event id names its outbox row (unique): the relay
 * publishes events it has just committed from memory, before any outbox id is read back. Jobs
 * enqueued before this shape also carry an `outboxId`, which is ignored.
 */
export interface QueuedEvent {
  event: OrderEvent;
}

/**
 * A job carries one event, with the event id as job id (enqueueing it twice is one job), or, on a
 * queue that takes batches, several events: a BullMQ job costs a few hundred microseconds of worker
 * and Redis CPU, several times what counting one event in the ranking does.
 */
export type OrderEventJob = QueuedEvent | { events: QueuedEvent[] };

/** The events a job carries, in the order they were published. */
export const queuedOf = (job: OrderEventJob): QueuedEvent[] => ("events" in job ? job.events : [job]);

/** The events a job carries, in the order they were published. */
export const eventsOf = (job: OrderEventJob): OrderEvent[] => queuedOf(job).map((queued) => queued.event);

/**
 * Events per job, at most: a relay's pass makes a job of each chunk of the events it publishes
 * together, so at a trickle of orders a job holds one event and under load a batch. The ranking
 * counts a batch in one pipelined round trip, and each event at most once however often its batch
 * is retried (markers). A delivery POSTs each event of its batch on its own (the platform takes one
 * event per request) and confirms those the platform took; a failure retries the job, which sends
 * the batch again and the platform's Idempotency-Key drops what it already has. Batching the
 * deliveries is what keeps the worker's CPU per order down under a flash sale: a BullMQ job costs
 * its worker a few round trips to Redis (taken, finished), more than the POST it carries.
 */
export const EVENTS_PER_JOB: Record<QueueName, number> = {
  [QueueName.RANKING]: 100,
  [QueueName.DATA_PLATFORM]: 16,
};

/**
 * BullMQ's key prefix. The braces are a Redis Cluster hash tag: all keys of a queue land on one slot,
 * which BullMQ's multi-key scripts need.
 */
export const queuePrefix = (redisPrefix: string): string => `{${redisPrefix}:bull}`;

/** BullMQ's name for the retry delays of event jobs, computed by the workers' backoffStrategy. */
const EVENT_BACKOFF = "capped-exponential";

/**
 * Retries for as long as it takes (an outage of any length loses nothing), doubling from
 * `retryBaseMs` (by default 1 s, 2 s, 4 s ...) up to EVENT_RETRY_MAX_MS (5 minutes), then at that
 * pace (see eventBackoff). A job fails for good only on an UnrecoverableError (a request the data
 * platform refuses as malformed, an event the ranking can never count), and then the worker's outbox
 * sweep publishes it again later: the outbox, not the queue, is what says an event is owed. Completed jobs go after a day, failed ones
 * after a week: every message has its TTL.
 */
export const eventJobOptions = (retryBaseMs: number): DefaultJobOptions => ({
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: EVENT_BACKOFF, delay: retryBaseMs },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

/**
 * The workers' backoffStrategy for EVENT_BACKOFF (BullMQ calls it for types it does not know): the
 * job's own base delay doubled per attempt, capped at `maxMs`. BullMQ's exponential backoff has no
 * cap: after ten doublings a delay is longer than an outage is worth waiting out.
 */
export const eventBackoff =
  (maxMs: number): BackoffStrategy =>
  (attemptsMade, _type, _error, job) => {
    const backoff = job?.opts.backoff;
    const base = typeof backoff === "object" && backoff.delay !== undefined ? backoff.delay : maxMs;
    return cappedBackoffMs(attemptsMade, base, maxMs);
  };

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

  private make(
    options: Pick<RedisOptions, "maxRetriesPerRequest" | "enableOfflineQueue" | "connectTimeout">,
  ): ConnectionOptions {
    if (!this.target.cluster) {
      return {
        url: this.target.url,
        maxRetriesPerRequest: options.maxRetriesPerRequest,
        enableOfflineQueue: options.enableOfflineQueue,
        connectTimeout: options.connectTimeout,
      };
    }
    const cluster = connectRedis(this.target, options);
    this.owned.push(cluster);
    return cluster;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.owned.map((client) => client.quit()));
  }
}
