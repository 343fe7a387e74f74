import { setTimeout as delay } from "node:timers/promises";
import { Worker, type Job } from "bullmq";
import type { Logger } from "../logger.js";
import type { DataPlatformClient } from "../modules/data-platform/data-platform.client.js";
import type { RankingService } from "../modules/ranking/ranking.service.js";
import type { OrderEvent } from "../outbox/order-event.js";
import { isWorthAWarning } from "../outbox/outbox.rules.js";
import { QueueName, eventBackoff, eventsOf, queuePrefix, type OrderEventJob, type QueueConnections } from "./queues.js";

export interface EventWorkerDeps {
  connections: QueueConnections;
  redisPrefix: string;
  ranking: RankingService;
  dataPlatform: DataPlatformClient;
  log: Logger;
  /** How long a job stays claimed without a heartbeat; a killed worker's jobs return after it. */
  lockDurationMs: number;
  /** The longest a failing job waits between attempts (EVENT_RETRY_MAX_MS). */
  retryMaxMs: number;
}

type Handler = (job: Job<OrderEventJob>) => Promise<unknown>;

/** One handler per queue; the record type makes a queue without a handler a compile error. */
function handlers({ ranking, dataPlatform }: EventWorkerDeps): Record<QueueName, Handler> {
  return {
    [QueueName.RANKING]: (job) => ranking.applyEvents(eventsOf(job.data)),
    [QueueName.DATA_PLATFORM]: (job) => deliverAll(dataPlatform, eventsOf(job.data)),
  };
}

/**
 * Delivers every event of a job (one, as the relay enqueues them; several only if EVENTS_PER_JOB
 * says so), each attempted before the job fails: a retry then resends the delivered ones, which the
 * platform deduplicates by Idempotency-Key.
 */
async function deliverAll(dataPlatform: DataPlatformClient, events: readonly OrderEvent[]): Promise<void> {
  const failed = (await Promise.allSettled(events.map((event) => dataPlatform.send(event)))).find(isRejected);
  if (failed) throw failed.reason;
}

const isRejected = (outcome: PromiseSettledResult<unknown>): outcome is PromiseRejectedResult => outcome.status === "rejected";

const CONCURRENCY: Record<QueueName, number> = {
  // A ranking job is a batch of events counted in one pipelined round trip: a few in flight keep
  // Redis busy, and keep the ranking moving while deliveries crowd the event loop.
  [QueueName.RANKING]: 8,
  // Deliveries wait on a remote HTTP service: more in flight hide its latency.
  [QueueName.DATA_PLATFORM]: 32,
};

export interface EventWorkers {
  workers: Array<Worker<OrderEventJob>>;
  /**
   * Stops taking jobs and waits up to `graceMs` for the running ones to finish. Past that (Redis
   * unreachable, a handler stuck) the connections are dropped: unfinished jobs stay claimed until
   * their lock expires and another worker takes them up, so nothing is lost.
   */
  close(graceMs: number): Promise<void>;
}

/** BullMQ workers for every event queue, with typed payloads and retries as set on the jobs. */
export function startEventWorkers(deps: EventWorkerDeps): EventWorkers {
  const byQueue = handlers(deps);
  const workers = (Object.keys(byQueue) as QueueName[]).map((name) => {
    const worker = new Worker<OrderEventJob>(name, byQueue[name], {
      connection: deps.connections.worker(),
      prefix: queuePrefix(deps.redisPrefix),
      concurrency: CONCURRENCY[name],
      lockDuration: deps.lockDurationMs,
      stalledInterval: deps.lockDurationMs,
      settings: { backoffStrategy: eventBackoff(deps.retryMaxMs) },
    });
    worker.on("failed", (job, error) => {
      const attempt = job?.attemptsMade ?? 1;
      const entry = { queue: name, jobId: job?.id, attempt, err: { message: error.message } };
      // Jobs retry for as long as it takes: warn on the first attempts and then as their count doubles.
      if (isWorthAWarning(attempt)) deps.log.warn(entry, "job failed, will retry");
      else deps.log.debug(entry, "job failed, will retry");
    });
    worker.on("error", (error) => deps.log.warn({ queue: name, err: { message: error.message } }, "worker error"));
    return worker;
  });
  return {
    workers,
    close: async (graceMs) => {
      const closed = Promise.all(workers.map((worker) => worker.close())).then(() => true);
      const inTime = await Promise.race([closed, delay(graceMs).then(() => false)]);
      if (!inTime) {
        deps.log.warn({ graceMs }, "workers did not stop in time: disconnecting");
        await Promise.race([Promise.allSettled(workers.map((worker) => worker.disconnect())), delay(1_000)]);
      }
    },
  };
}
