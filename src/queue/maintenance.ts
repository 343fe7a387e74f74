import { setTimeout as delay } from "node:timers/promises";
import { Queue, Worker, type Job, type JobSchedulerTemplateOptions } from "bullmq";
import type { Logger } from "../observability/logger.js";
import { queuePrefix, type QueueConnections } from "./queues.js";

/**
 * The queue of the periodic jobs every worker process shares (housekeeping). Not an event queue:
 * nothing is owed there, no consumer confirms anything.
 */
const MAINTENANCE_QUEUE = "maintenance";

/** A periodic job carries nothing: what it needs comes from the worker that runs it (its clock included). */
export type PeriodicJobData = Record<string, never>;

/**
 * Work to do once per period for the whole deployment, however many workers run: a BullMQ job
 * scheduler makes one job per period (its id names the period, `repeat:<name>:<ms>`), whichever
 * worker takes that job runs it, and the next period's job is made when it starts. A job is run
 * again only if the worker running it dies (its lock expires), so the work must be safe to repeat.
 */
export interface PeriodicJob {
  /** The job scheduler's id, and the name of the jobs it makes. */
  name: string;
  everyMs: number;
  run(job: Job<PeriodicJobData>): Promise<unknown>;
}

export interface MaintenanceDeps {
  connections: QueueConnections;
  redisPrefix: string;
  log: Logger;
  jobs: readonly PeriodicJob[];
  /** How long a job stays claimed without a heartbeat; a killed worker's job returns after it. */
  lockDurationMs: number;
}

/**
 * A failed run is not retried: the next period runs again, as a timer would. Finished jobs are kept a
 * while (BullMQ's completed and failed sets, for an operator), then dropped, so a job every few
 * minutes does not grow Redis for ever.
 */
const PERIODIC_JOB_OPTIONS: JobSchedulerTemplateOptions = {
  attempts: 1,
  removeOnComplete: { age: 24 * 3600, count: 100 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100 },
};

export interface Maintenance {
  queue: Queue<PeriodicJobData>;
  worker: Worker<PeriodicJobData>;
  /**
   * Schedules every job whose scheduler Redis does not have, or has with another period: at the
   * first start, after a deploy that changed a period, and after Redis lost its data (FLUSHALL, a
   * restart without persistence, a failover to an empty replica). The scheduler lives in the Redis
   * that lost it, so something outside it must notice: the worker calls this at start and on its
   * Redis check timer. An upsert, so workers doing it together leave one scheduler per job.
   */
  ensureScheduled(): Promise<void>;
  /**
   * Stops taking jobs and waits up to `graceMs` for the running one; past that the connection is
   * dropped, and the job, its lock expired, is run again by another worker. The schedulers stay in
   * Redis for the other workers (and for this one's next start).
   */
  close(graceMs: number): Promise<void>;
}

/**
 * A worker that runs `jobs`, one at a time. They are scheduled by ensureScheduled, not here, so a
 * worker starts while Redis is down (as the event workers do) and schedules them once it is back. A
 * new scheduler's first job runs at once, then one per period.
 */
export function startMaintenance({
  connections,
  redisPrefix,
  log,
  jobs,
  lockDurationMs,
}: MaintenanceDeps): Maintenance {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const prefix = queuePrefix(redisPrefix);
  const queue = new Queue<PeriodicJobData>(MAINTENANCE_QUEUE, { connection: connections.producer(), prefix });
  queue.on("error", (error) => log.debug({ queue: MAINTENANCE_QUEUE, err: { message: error.message } }, "queue error"));
  const schedule = (job: PeriodicJob) =>
    queue.upsertJobScheduler(
      job.name,
      { every: job.everyMs },
      { name: job.name, data: {}, opts: PERIODIC_JOB_OPTIONS },
    );

  const worker = new Worker<PeriodicJobData>(
    MAINTENANCE_QUEUE,
    async (job) => {
      const periodic = byName.get(job.name);
      // Another version's job (a rolling deploy): the worker that knows it runs the next one.
      if (!periodic) throw new Error(`no periodic job named ${job.name} in this worker`);
      return periodic.run(job);
    },
    { connection: connections.worker(), prefix, concurrency: 1, lockDuration: lockDurationMs },
  );
  worker.on("failed", (job, error) =>
    log.warn({ job: job?.name, jobId: job?.id, err: { message: error.message } }, "periodic job failed"),
  );
  worker.on("error", (error) =>
    log.warn({ queue: MAINTENANCE_QUEUE, err: { message: error.message } }, "worker error"),
  );

  return {
    queue,
    worker,
    async ensureScheduled() {
      for (const job of jobs) {
        const scheduler = await queue.getJobScheduler(job.name);
        if (scheduler?.every === job.everyMs) continue;
        await schedule(job);
        log.info({ job: job.name, everyMs: job.everyMs }, "periodic job scheduled");
      }
    },
    async close(graceMs) {
      const timer = new AbortController();
      const closed = worker.close().then(() => true);
      const late = delay(graceMs, false, { signal: timer.signal }).catch(() => true);
      const inTime = await Promise.race([closed, late]);
      timer.abort();
      if (!inTime) {
        log.warn({ graceMs }, "periodic job did not finish in time: disconnecting");
        await Promise.race([worker.disconnect(), delay(1_000)]);
      }
      await queue.close();
    },
  };
}
