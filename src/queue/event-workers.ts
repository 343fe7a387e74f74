import { setTimeout as delay } from "node:timers/promises";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Db } from "../db/client.js";
import { GroupCommit, type Outcome } from "../db/group-commit.js";
import { retryOnLockConflict } from "../db/transaction.js";
import type { Logger } from "../observability/logger.js";
import { orderEventLag } from "../observability/metrics.js";
import type { Clock } from "../shared/clock.js";
import { DataPlatformError, type DataPlatformClient } from "../modules/data-platform/data-platform.client.js";
import type { RankingService } from "../modules/ranking/ranking.service.js";
import { UncountableEventError } from "../modules/ranking/ranking.store.js";
import { markDelivered } from "../outbox/outbox.repository.js";
import { isWorthAWarning } from "../outbox/outbox.rules.js";
import {
  QueueName,
  eventBackoff,
  queuePrefix,
  queuedOf,
  type OrderEventJob,
  type QueueConnections,
  type QueuedEvent,
} from "./queues.js";

export interface EventWorkerDeps {
  connections: QueueConnections;
  redisPrefix: string;
  /** Where each consumer's confirmations are recorded (the outbox). */
  db: Db;
  ranking: RankingService;
  dataPlatform: DataPlatformClient;
  log: Logger;
  /** How long a job stays claimed without a heartbeat; a killed worker's jobs return after it. */
  lockDurationMs: number;
  /** The longest a failing job waits between attempts (EVENT_RETRY_MAX_MS). */
  retryMaxMs: number;
  /** Dates the confirmations (housekeeping drops delivered rows by the same clock). */
  clock: Clock;
}

type Handler = (job: Job<OrderEventJob>) => Promise<unknown>;
/** Records that a consumer has these events (the job's events it counted or delivered). */
export type Confirm = (confirmed: readonly QueuedEvent[]) => Promise<void>;

/** Jobs whose confirmations share one UPDATE at most. */
const CONFIRMATIONS_PER_STATEMENT = 64;

/**
 * Records that `consumer` has the events of the jobs that finished, one UPDATE for the jobs that
 * finished together. A job completes only once its confirmation is written: if the database is
 * unreachable the job fails and is retried (the ranking's markers and the platform's Idempotency-Key
 * make the work done again a no-op), so a completed job always left its confirmation behind. One
 * UPDATE per job was 50,000 autocommits for 50,000 deliveries; grouped while one is being written,
 * the statements shrink with the load. Once written, each event's lag (from when it happened to now)
 * goes into order_event_lag_seconds: how far behind the orders this consumer is.
 */
function confirmations(db: Db, consumer: QueueName, clock: Clock): Confirm {
  const group = new GroupCommit<readonly string[], void>(async (jobs): Promise<Array<Outcome<void>>> => {
    await retryOnLockConflict(() => markDelivered(db, consumer, jobs.flat(), clock.now()), {});
    return jobs.map(() => ({ ok: true, value: undefined }));
  }, CONFIRMATIONS_PER_STATEMENT);
  const lag = orderEventLag.labels(consumer);
  return async (confirmed) => {
    if (confirmed.length === 0) return;
    await group.submit(confirmed.map((entry) => entry.event.eventId));
    const now = clock.now().getTime();
    for (const { event } of confirmed) lag.observe(Math.max(0, now - Date.parse(event.occurredAt)) / 1000);
  };
}

/** One handler per queue; the record type makes a queue without a handler a compile error. */
function handlers({ db, ranking, dataPlatform, clock }: EventWorkerDeps): Record<QueueName, Handler> {
  const confirmRanking = confirmations(db, QueueName.RANKING, clock);
  const confirmDelivery = confirmations(db, QueueName.DATA_PLATFORM, clock);
  return {
    [QueueName.RANKING]: (job) => countAll(ranking, queuedOf(job.data), confirmRanking),
    [QueueName.DATA_PLATFORM]: (job) =>
      deliverAll(dataPlatform, queuedOf(job.data), confirmDelivery, (owed) => job.updateData({ events: [...owed] })),
  };
}

/**
 * Counts the events of a ranking job and confirms them. An event the ranking can never count (an
 * UncountableEventError: a bug upstream, no passing failure) ends the job at once as unrecoverable,
 * after the others, counted, are confirmed: retrying could only count it again as nothing. The
 * outbox still owes it, so the failed set shows it and the worker's sweep publishes it again on its
 * row's schedule. Every other failure fails the attempt and the job is retried.
 */
export async function countAll(
  ranking: Pick<RankingService, "applyEvents">,
  queued: readonly QueuedEvent[],
  confirm: Confirm,
): Promise<number> {
  try {
    const applied = await ranking.applyEvents(queued.map((entry) => entry.event));
    await confirm(queued);
    return applied;
  } catch (error) {
    if (!(error instanceof UncountableEventError)) throw error;
    const uncountable = new Set(error.eventIds);
    await confirm(queued.filter((entry) => !uncountable.has(entry.event.eventId)));
    throw new UnrecoverableError(error.message);
  }
}

/**
 * Delivers every event of a job (one, or a batch of up to EVENTS_PER_JOB), each attempted before the
 * job fails, and confirms the ones the platform took. When some got through and others did not, the
 * job keeps only those still owed (`keepOwed`, before the failure is thrown), so a retry sends only
 * them: resending a whole batch would make each attempt only as likely to pass as every one of its
 * events at once. Should keeping them fail, the retry sends the batch again, which the platform
 * deduplicates by Idempotency-Key. A refusal no retry can help (a 400 or 401: a bug or a
 * misconfiguration) ends the job at once as unrecoverable, in the failed set where an operator sees
 * it; the outbox still owes the event, so the worker's sweep publishes it again, later.
 */
export async function deliverAll(
  dataPlatform: Pick<DataPlatformClient, "send">,
  queued: readonly QueuedEvent[],
  confirm: Confirm,
  keepOwed: (owed: readonly QueuedEvent[]) => Promise<unknown> = async () => undefined,
): Promise<void> {
  const outcomes = await Promise.allSettled(queued.map((entry) => dataPlatform.send(entry.event)));
  await confirm(queued.filter((_, index) => outcomes[index]?.status === "fulfilled"));
  const failures = outcomes.filter(isRejected).map((outcome) => outcome.reason as unknown);
  if (failures.length === 0) return;
  if (failures.length < queued.length)
    await keepOwed(queued.filter((_, index) => outcomes[index]?.status === "rejected")).catch(() => undefined);
  if (failures.every((reason) => reason instanceof DataPlatformError && !reason.retryable))
    throw new UnrecoverableError((failures[0] as Error).message);
  throw failures[0];
}

const isRejected = (outcome: PromiseSettledResult<unknown>): outcome is PromiseRejectedResult =>
  outcome.status === "rejected";

const CONCURRENCY: Record<QueueName, number> = {
  // A ranking job is a batch of events counted in one pipelined round trip: a few in flight keep
  // Redis busy, and keep the ranking moving while deliveries crowd the event loop.
  [QueueName.RANKING]: 8,
  // Deliveries wait on a remote HTTP service: more in flight hide its latency. A job holds up to
  // EVENTS_PER_JOB events, POSTed together: at most 32 × 16 requests in flight.
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
      if (error instanceof UnrecoverableError)
        deps.log.warn(entry, "job failed for good: the outbox sweep will publish its events again");
      else if (isWorthAWarning(attempt)) deps.log.warn(entry, "job failed, will retry");
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
