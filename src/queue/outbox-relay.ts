import { createHash } from "node:crypto";
import type { Queue } from "bullmq";
import type { Config } from "../config/config.js";
import type { Db } from "../db/client.js";
import { runInTransaction } from "../db/transaction.js";
import type { Logger } from "../observability/logger.js";
import { systemClock, type Clock } from "../shared/clock.js";
import {
  listUnpublished,
  lockDueForRepublish,
  markPublished,
  scheduleRepublish,
  type UndeliveredEvent,
  type UnpublishedEvent,
} from "../outbox/outbox.repository.js";
import { cappedBackoffMs, republishAction } from "../outbox/outbox.rules.js";
import type { OrderEvent } from "../outbox/order-event.js";
import { EVENTS_PER_JOB, type OrderEventJob, type QueueName } from "./queues.js";
import { present } from "../shared/present.js";

export interface OutboxRelayOptions {
  batchSize?: number;
  /** How often unpublished rows are swept up (a crash between commit and enqueue, Redis down). */
  sweepIntervalMs?: number;
  /**
   * When an event not yet confirmed by every consumer is published again: `firstMs` after it was
   * published, doubling each time up to `maxMs` (OUTBOX_REPUBLISH_MS, OUTBOX_REPUBLISH_MAX_MS).
   */
  republish?: { firstMs: number; maxMs: number };
  /** Whether this relay's sweep also publishes due events again (the worker's does; the API's need not). */
  republishDue?: boolean;
  /** The process's clock: when rows were published and when they are due again. */
  clock?: Clock;
}

/** The relay's options from the configuration; `republishDue` for the worker's relay. */
export const relayOptions = (
  config: Pick<Config, "outboxSweepMs" | "outboxRepublishMs" | "outboxRepublishMaxMs">,
  republishDue: boolean,
  clock: Clock = systemClock,
): OutboxRelayOptions => ({
  sweepIntervalMs: config.outboxSweepMs,
  republish: { firstMs: config.outboxRepublishMs, maxMs: config.outboxRepublishMaxMs },
  republishDue,
  clock,
});

/**
 * Moves committed outbox events onto the queues. `notify(events)` after a commit publishes the
 * events just committed at once, from memory and in the background: the order path never waits for
 * Redis, and nothing is read back from the outbox it just wrote (a read and a JSON parse per event
 * that cost the API a socket write per publication). A timer sweeps whatever a notify missed or
 * could not publish (a crash between commit and enqueue, Redis down, a commit whose events were not
 * at hand), reading the rows still unpublished, and (in the worker) publishes again every event a
 * consumer has not confirmed in time, whatever became of its jobs: the outbox row, not Redis, says an
 * event is still owed.
 *
 * Delivery is at least once: two relays (two API copies, a sweep crossing a publication from
 * memory) may enqueue the same event, but the job id is the event id (or, for a batch, a digest of
 * its event ids), so BullMQ keeps one job, and the consumers are idempotent besides.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private readonly republish: { firstMs: number; maxMs: number };
  private readonly republishDue: boolean;
  private readonly clock: Clock;
  private running: Promise<void> | null = null;
  /** Committed events to publish on the next pass, as the commits handed them over. */
  private pending: OrderEvent[] = [];
  /** The next pass reads the outbox for unpublished rows: every one, or (a sweep's) the settled ones. */
  private readDue: "all" | "settled" | null = null;
  /** The next pass also publishes again the events due (the worker's sweep). */
  private sweepDue = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly queues: ReadonlyArray<Queue<OrderEventJob>>,
    private readonly log: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 2_000;
    this.republish = options.republish ?? { firstMs: 60_000, maxMs: 600_000 };
    this.republishDue = options.republishDue ?? false;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * A transaction that wrote outbox events has committed: publish soon. `committed` are its events
   * when the caller has them; without them the outbox is read. Never throws, never waits.
   */
  notify(committed?: readonly OrderEvent[]): void {
    if (committed === undefined || this.pending.length + committed.length > this.batchSize * MAX_PENDING_BATCHES) {
      // Not at hand, or more than a slow Redis lets through: the outbox has them, read them there.
      this.readDue = "all";
    } else {
      for (const event of committed) this.pending.push(event);
    }
    this.kick();
  }

  /** Starts a pass unless one is running; the running pass starts the next when it ends. */
  private kick(): void {
    if (this.running) return;
    if (this.pending.length === 0 && this.readDue === null && !this.sweepDue) return;
    const events = this.pending;
    const read = this.readDue;
    const republish = this.sweepDue;
    this.pending = [];
    this.readDue = null;
    this.sweepDue = false;
    this.running = this.publishAll(events, read, republish).finally(() => {
      this.running = null;
      this.kick();
    });
  }

  /** The timer's pass: the outbox read for what notify missed, and the events due to be published again. */
  private sweep(): void {
    this.readDue ??= "settled";
    this.sweepDue = this.republishDue;
    this.kick();
  }

  /**
   * The sweep is a timer in every process that runs a relay, not a BullMQ job scheduler: it is how
   * events reach the queues after Redis lost them or was down, and a job scheduler lives in that same
   * Redis and would be lost with them. Each API copy sweeps too, so an event a crash kept from its
   * notify() is published without waiting on any other process. Relays sweeping together cost
   * nothing: job ids dedupe the publications, SKIP LOCKED splits the rows published again.
   */
  start(): void {
    this.timer ??= setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.timer.unref();
    this.sweep();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Events not yet published stay in the outbox, unpublished: the next sweep (any process's) takes them.
    this.pending = [];
    this.readDue = null;
    this.sweepDue = false;
    await this.running;
  }

  /**
   * Publishes `events` (committed, from memory), then the rows `read` says the outbox still has
   * unpublished; returns quietly when Redis or MariaDB fails: what was not published stays
   * unpublished in the outbox, for the next sweep. A sweep reads only rows settled for SWEEP_SETTLED_MS:
   * younger ones are the relays' that committed them, on their way from memory (a batch published
   * twice gets two job ids, and would be delivered twice, deduplicated only by the consumers).
   */
  private async publishAll(
    events: readonly OrderEvent[],
    read: "all" | "settled" | null,
    republishDue: boolean,
  ): Promise<void> {
    try {
      for (let start = 0; start < events.length; start += this.batchSize)
        await this.publish(events.slice(start, start + this.batchSize));
      for (let more = read !== null; more;) {
        const rows = await listUnpublished(this.db, this.batchSize, read === "settled" ? SWEEP_SETTLED_MS : 0);
        if (rows.length > 0) await this.publish(rows.map((row) => row.payload));
        this.forgetPending(rows);
        more = rows.length === this.batchSize;
      }
      if (republishDue) await this.republishAllDue();
    } catch (error) {
      this.log.warn(
        { err: { message: (error as Error).message } },
        "outbox relay: publishing failed, the sweep will retry",
      );
    }
  }

  /** Events a read has just published are not published again when their own notify comes in meanwhile. */
  private forgetPending(published: readonly UnpublishedEvent[]): void {
    if (published.length === 0 || this.pending.length === 0) return;
    const ids = new Set(published.map((row) => row.payload.eventId));
    this.pending = this.pending.filter((event) => !ids.has(event.eventId));
  }

  /**
   * First publication: jobs on every queue, then the rows marked published. The queues are written
   * together, one round trip for all rather than one per queue; should one fail after the other took
   * its jobs, the rows stay unpublished and the sweep republishes them, as it always did when the
   * second of two writes failed (consumers confirm per event, so nothing counts twice).
   */
  private async publish(events: readonly OrderEvent[]): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.addBulk(jobsFor(queue.name, events))));
    const now = this.clock.now().getTime();
    await markPublished(
      this.db,
      events.map((event) => event.eventId),
      new Date(now),
      new Date(now + this.republish.firstMs),
    );
  }

  /**
   * Publishes again the events due (see OutboxRelayOptions.republish), a batch at a time, up to
   * REPUBLISH_BATCHES_PER_SWEEP (the next sweep goes on). Each batch is claimed first, in a short
   * transaction that moves its next due time on (SKIP LOCKED: two workers' sweeps share the rows),
   * then published outside it: a failure to publish leaves the rows to their next due time, never to
   * a tight loop. One warning per consumer and pass says how many and how old.
   */
  private async republishAllDue(): Promise<void> {
    const owedTo = new Map<string, { events: number; jobsAdded: number; oldest: UndeliveredEvent }>();
    try {
      for (let batch = 0; batch < REPUBLISH_BATCHES_PER_SWEEP; batch += 1) {
        const rows = await this.claimDue();
        for (const queue of this.queues) {
          const owed = rows.filter((row) => row.undelivered.includes(queue.name as QueueName));
          if (owed.length === 0) continue;
          const jobsAdded = await republishTo(queue, owed);
          const seen = owedTo.get(queue.name) ?? { events: 0, jobsAdded: 0, oldest: present(owed[0], "an owed event") };
          for (const row of owed) if (row.createdAt < seen.oldest.createdAt) seen.oldest = row;
          owedTo.set(queue.name, {
            events: seen.events + owed.length,
            jobsAdded: seen.jobsAdded + jobsAdded,
            oldest: seen.oldest,
          });
        }
        if (rows.length < this.batchSize) break;
      }
    } finally {
      for (const [consumer, { events, jobsAdded, oldest }] of owedTo) {
        this.log.warn(
          {
            consumer,
            events,
            jobsAdded,
            oldestEventId: oldest.payload.eventId,
            // From when the event happened (the service's clock), not created_at (the database's).
            oldestAgeSeconds: Math.round((this.clock.now().getTime() - Date.parse(oldest.payload.occurredAt)) / 1000),
            publications: oldest.attempts + 1,
          },
          "outbox: events still undelivered, published again",
        );
      }
    }
  }

  /** Claims the next batch of due rows: their next due time moves on, one backoff step further. */
  private claimDue(): Promise<UndeliveredEvent[]> {
    return runInTransaction(
      this.db,
      async (tx) => {
        const now = this.clock.now().getTime();
        const due = await lockDueForRepublish(tx, new Date(now), this.batchSize);
        for (const [attempts, ids] of groupBy(due, (row) => row.attempts)) {
          await scheduleRepublish(
            tx,
            ids,
            new Date(now + cappedBackoffMs(attempts + 1, this.republish.firstMs, this.republish.maxMs)),
          );
        }
        return due;
      },
      { isolationLevel: "read committed" },
    );
  }
}

/** How old (by the database's clock) an unpublished row must be before a sweep publishes it. */
const SWEEP_SETTLED_MS = 1_000;

/**
 * Committed events waiting in memory, in batches, past which a notify leaves its events to be read
 * from the outbox: memory stays bounded while Redis is slow or down.
 */
const MAX_PENDING_BATCHES = 4;

/** A sweep publishes again at most this many batches of due events; the next sweep takes the rest. */
const REPUBLISH_BATCHES_PER_SWEEP = 10;

/** Ids of `rows` grouped by `key`. */
function groupBy(rows: readonly UndeliveredEvent[], key: (row: UndeliveredEvent) => number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row.id);
    else groups.set(key(row), [row.id]);
  }
  return groups;
}

/**
 * Adds a job for each of `rows` on `queue` unless a job of its event id is still pending (it will
 * deliver it); a finished job of that id is removed first, or BullMQ would ignore the add. Returns how
 * many jobs were added. A republication is one job per event, batch queue or not: its id is the event
 * id, which the next republication can look up (a batch's digest cannot be found by event), so an
 * event owed through a long outage gets one job at a time, not one more per republication.
 */
async function republishTo(queue: Queue<OrderEventJob>, rows: readonly UnpublishedEvent[]): Promise<number> {
  const jobs = rows.map((row) => singleEventJob(row.payload));
  const actions = await Promise.all(jobs.map(async (job) => republishAction(await queue.getJobState(job.opts.jobId))));
  await Promise.all(jobs.filter((_, index) => actions[index] === "replace").map((job) => queue.remove(job.opts.jobId)));
  const adding = jobs.filter((_, index) => actions[index] !== "leave");
  if (adding.length > 0) await queue.addBulk(adding);
  return adding.length;
}

/** A job as addBulk takes it, with its id. */
interface EventJob {
  name: string;
  data: OrderEventJob;
  opts: { jobId: string };
}

/** A job of one event, named by its type, its id the event id (enqueueing it twice is one job). */
const singleEventJob = (event: OrderEvent): EventJob => ({
  name: event.type,
  data: { event },
  opts: { jobId: event.eventId },
});

/**
 * The jobs `events` make on queue `queueName`: one per event, or one per chunk of EVENTS_PER_JOB
 * events on a queue that takes batches (a chunk of one is a plain single-event job). A batch's id is
 * a digest of exactly the events it holds: two relays that publish different sets of events must not
 * make jobs of the same id, or BullMQ would keep the first and drop the events only the second holds.
 */
export function jobsFor(queueName: string, events: readonly OrderEvent[]): EventJob[] {
  // A queue without a batch size (any other name) gets a job per event.
  const size = (EVENTS_PER_JOB as Partial<Record<string, number>>)[queueName] ?? 1;
  const jobs: EventJob[] = [];
  for (let start = 0; start < events.length; start += size) {
    const chunk = events.slice(start, start + size);
    const [first] = chunk;
    if (chunk.length === 1 && first) {
      jobs.push(singleEventJob(first));
      continue;
    }
    const digest = createHash("sha1")
      .update(chunk.map((event) => event.eventId).join(","))
      .digest("hex");
    jobs.push({
      name: "ORDER_EVENT_BATCH",
      data: { events: chunk.map((event) => ({ event })) },
      // BullMQ refuses custom ids with a colon; the digest has none.
      opts: { jobId: `batch-${digest}` },
    });
  }
  return jobs;
}
