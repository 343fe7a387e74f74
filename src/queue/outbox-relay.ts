import { createHash } from "node:crypto";
import type { Queue } from "bullmq";
import type { Db } from "../db/client.js";
import type { Logger } from "../logger.js";
import { listUnpublished, markPublished, type UnpublishedEvent } from "../outbox/outbox.repository.js";
import { EVENTS_PER_JOB, type OrderEventJob, type QueueName } from "./queues.js";

export interface OutboxRelayOptions {
  batchSize?: number;
  /** How often unpublished rows are swept up (a crash between commit and enqueue, Redis down). */
  sweepIntervalMs?: number;
}

/**
 * Moves committed outbox events onto the queues. `notify()` after a commit publishes at once, in the
 * background: the order path never waits for Redis. A timer sweeps whatever a notify missed.
 *
 * Delivery is at least once: two relays (two API copies) may enqueue the same row, but the job id is
 * the event id (or, for a batch, a digest of its event ids), so BullMQ keeps one job, and the
 * consumers are idempotent besides.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly queues: ReadonlyArray<Queue<OrderEventJob>>,
    private readonly log: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 2_000;
  }

  /** Something was committed: publish soon. Never throws, never waits. */
  notify(): void {
    if (this.running) {
      this.again = true; // coalesce: one more pass after the current one
      return;
    }
    this.running = this.publishAll().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.notify();
      }
    });
  }

  start(): void {
    this.timer ??= setInterval(() => this.notify(), this.sweepIntervalMs);
    this.timer.unref();
    this.notify();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.again = false;
    await this.running;
  }

  /** Publishes until no unpublished row is left; returns quietly when Redis or MariaDB fails. */
  private async publishAll(): Promise<void> {
    try {
      for (;;) {
        const rows = await listUnpublished(this.db, this.batchSize);
        if (rows.length === 0) return;
        for (const queue of this.queues) await queue.addBulk(jobsFor(queue.name, rows));
        await markPublished(this.db, rows.map((row) => row.id), new Date());
        if (rows.length < this.batchSize) return;
      }
    } catch (error) {
      this.log.warn({ err: { message: (error as Error).message } }, "outbox relay: publishing failed, the sweep will retry");
    }
  }
}

/**
 * The jobs `rows` make on queue `queueName`: one per event, or one per chunk of EVENTS_PER_JOB
 * events on a queue that takes batches (a chunk of one is a plain single-event job). A batch's id is
 * a digest of exactly the events it holds: two relays that read different sets of rows must not
 * make jobs of the same id, or BullMQ would keep the first and drop the events only the second holds.
 */
export function jobsFor(queueName: string, rows: readonly UnpublishedEvent[]): Array<{ name: string; data: OrderEventJob; opts: { jobId: string } }> {
  const size = EVENTS_PER_JOB[queueName as QueueName] ?? 1;
  const jobs: Array<{ name: string; data: OrderEventJob; opts: { jobId: string } }> = [];
  for (let start = 0; start < rows.length; start += size) {
    const chunk = rows.slice(start, start + size);
    if (chunk.length === 1) {
      const [row] = chunk as [UnpublishedEvent];
      jobs.push({ name: row.payload.type, data: { outboxId: row.id, event: row.payload }, opts: { jobId: row.payload.eventId } });
      continue;
    }
    const digest = createHash("sha1").update(chunk.map((row) => row.payload.eventId).join(",")).digest("hex");
    jobs.push({
      name: "ORDER_EVENT_BATCH",
      data: { events: chunk.map((row) => ({ outboxId: row.id, event: row.payload })) },
      // BullMQ refuses custom ids with a colon; the digest has none.
      opts: { jobId: `batch-${digest}` },
    });
  }
  return jobs;
}
