import { setTimeout as delay } from "node:timers/promises";
import { Queue, Worker, type Job, type JobsOptions } from "bullmq";
import type { Logger } from "../observability/logger.js";
import type { Clock } from "../shared/clock.js";
import type { CheckoutJobs } from "../modules/checkout/checkout.deps.js";
import type { CheckoutRecovery } from "../modules/checkout/checkout-recovery.service.js";
import type { PgRefunds, RefundSignal } from "../modules/payment-gateway/pg-refunds.service.js";
import { queuePrefix, type QueueConnections } from "./queues.js";

/**
 * The queue of a checkout's timed work: "expire" at a reservation's end, "reconcile" when the PG is
 * to be asked again about a confirm, "refund" to send a payment's queued refunds. Every job is the
 * punctual path only: the worker's checkout sweep (src/app/run-worker.ts) does the same work for any
 * job lost, late or never added (Redis down), so nothing here is owed the way an outbox event is.
 */
const CHECKOUT_QUEUE = "checkout";

export type CheckoutJobData = { checkoutId: number } | { paymentKey: string };
type CheckoutJobName = "expire" | "reconcile" | "refund";

/**
 * A failed job is tried a few more times, 2 s doubling (the PG hiccupped, the database failed over);
 * then the sweep takes over at its own pace. Finished jobs go at once: a job id is reused (a
 * payment's refunds are one job id), and BullMQ ignores an add whose id it still holds.
 */
const JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The producer side, for the API and the worker: adds jobs, never waits for Redis, never throws. */
export class CheckoutJobQueue implements CheckoutJobs, RefundSignal {
  readonly queue: Queue<CheckoutJobData>;

  constructor(
    connections: QueueConnections,
    redisPrefix: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.queue = new Queue<CheckoutJobData>(CHECKOUT_QUEUE, {
      connection: connections.producer(),
      prefix: queuePrefix(redisPrefix),
      defaultJobOptions: JOB_OPTIONS,
    });
    this.queue.on("error", (error) =>
      log.debug({ queue: CHECKOUT_QUEUE, err: { message: error.message } }, "queue error"),
    );
  }

  expireAt(checkoutId: number, at: Date): void {
    this.add("expire", { checkoutId }, `expire-${checkoutId}`, at);
  }

  reconcileAt(checkoutId: number, at: Date): void {
    // One job per question: the next is added when this one finds the PG still undecided.
    this.add("reconcile", { checkoutId }, `reconcile-${checkoutId}-${at.getTime()}`, at);
  }

  refundsQueued(paymentKeys: readonly string[]): void {
    const now = this.clock.now();
    for (const paymentKey of paymentKeys) this.add("refund", { paymentKey }, `refund-${paymentKey}`, now);
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private add(name: CheckoutJobName, data: CheckoutJobData, jobId: string, at: Date): void {
    const wait = Math.max(0, at.getTime() - this.clock.now().getTime());
    this.queue.add(name, data, { jobId, delay: wait }).catch((error: unknown) => {
      // Redis is down: the sweep does this work when it comes round.
      this.log.debug({ job: name, jobId, err: { message: (error as Error).message } }, "checkout job not added");
    });
  }
}

export interface CheckoutWorkerDeps {
  connections: QueueConnections;
  redisPrefix: string;
  recovery: Pick<CheckoutRecovery, "expire" | "reconcile">;
  refunds: Pick<PgRefunds, "deliver">;
  log: Logger;
  lockDurationMs: number;
}

export interface CheckoutWorker {
  worker: Worker<CheckoutJobData>;
  close(graceMs: number): Promise<void>;
}

/** Runs the checkout jobs; a few at once, as each mostly waits on the PG. */
export function startCheckoutWorker(deps: CheckoutWorkerDeps): CheckoutWorker {
  const worker = new Worker<CheckoutJobData>(CHECKOUT_QUEUE, (job) => run(deps, job), {
    connection: deps.connections.worker(),
    prefix: queuePrefix(deps.redisPrefix),
    concurrency: 8,
    lockDuration: deps.lockDurationMs,
  });
  worker.on("failed", (job, error) =>
    deps.log.warn({ job: job?.name, jobId: job?.id, err: { message: error.message } }, "checkout job failed"),
  );
  worker.on("error", (error) =>
    deps.log.warn({ queue: CHECKOUT_QUEUE, err: { message: error.message } }, "worker error"),
  );
  return {
    worker,
    async close(graceMs) {
      const closed = worker.close().then(() => true);
      if (!(await Promise.race([closed, delay(graceMs, false)])))
        await Promise.race([worker.disconnect(), delay(1_000)]);
    },
  };
}

async function run({ recovery, refunds }: CheckoutWorkerDeps, job: Job<CheckoutJobData>): Promise<unknown> {
  const data = job.data;
  if ("paymentKey" in data) {
    const owed = await refunds.deliver(data.paymentKey);
    // Still owed: fail the attempt so BullMQ tries again on its backoff (the row has its own for the sweep).
    if (owed > 0) throw new Error(`${owed} refund(s) of the payment still owed at the PG`);
    return 0;
  }
  if (job.name === "expire") return recovery.expire(data.checkoutId);
  return (await recovery.reconcile(data.checkoutId))?.status;
}
