import { and, asc, count, inArray, isNotNull, isNull, lt, lte, sql, type SQL } from "drizzle-orm";
import type { MySqlUpdateSetSource } from "drizzle-orm/mysql-core";
import type { Executor, Tx } from "../db/client.js";
import { outbox } from "../db/schema/index.js";
import type { OrderEvent } from "./order-event.js";

/**
 * Writes events in the transaction of the change they announce: they exist exactly when the change
 * does. A relay publishes them after commit.
 */
export async function appendOutboxEvents(tx: Tx, events: readonly OrderEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(outbox).values(
    events.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      aggregateId: Number(event.order.id),
      payload: event,
      occurredAt: new Date(event.occurredAt),
    })),
  );
}

/** Who must confirm every event before its row is done with, named as their queues. */
const CONSUMERS = ["ranking", "data-platform"] as const;
export type Consumer = (typeof CONSUMERS)[number];

/** Each consumer's confirmation column. */
const DELIVERED_FIELD = {
  ranking: "rankingDeliveredAt",
  "data-platform": "dataPlatformDeliveredAt",
} as const satisfies Record<Consumer, keyof typeof outbox.$inferSelect>;
const DELIVERED_AT = {
  ranking: outbox.rankingDeliveredAt,
  "data-platform": outbox.dataPlatformDeliveredAt,
} satisfies Record<Consumer, unknown>;

/** True (in SQL) when every consumer but `except` has confirmed the row. */
const othersDelivered = (except: Consumer | null): SQL =>
  sql.join(
    CONSUMERS.filter((consumer) => consumer !== except).map((consumer) => sql`${DELIVERED_AT[consumer]} IS NOT NULL`),
    sql` AND `,
  );

export interface UnpublishedEvent {
  id: number;
  payload: OrderEvent;
}

/** An event the sweep publishes again, with the consumers that have not confirmed it. */
export interface UndeliveredEvent extends UnpublishedEvent {
  attempts: number;
  createdAt: Date;
  undelivered: Consumer[];
}

// MariaDB stores JSON as text: the driver may hand back a string.
const eventOf = (payload: unknown): OrderEvent =>
  (typeof payload === "string" ? JSON.parse(payload) : payload) as OrderEvent;

/**
 * The oldest events not yet handed to the queue (outbox_unpublished_idx). With `settledMs`, only rows
 * written at least that long ago (on the database's clock, which stamped them): a sweep leaves the
 * newest rows to the relay their own commit tells, rather than publishing them a second time.
 */
export async function listUnpublished(executor: Executor, limit: number, settledMs = 0): Promise<UnpublishedEvent[]> {
  const rows = await executor
    .select({ id: outbox.id, payload: outbox.payload })
    .from(outbox)
    .where(
      settledMs === 0
        ? isNull(outbox.publishedAt)
        : and(isNull(outbox.publishedAt), sql`${outbox.createdAt} < NOW(3) - INTERVAL ${settledMs * 1000} MICROSECOND`),
    )
    .orderBy(asc(outbox.id))
    .limit(limit);
  return rows.map((row) => ({ id: row.id, payload: eventOf(row.payload) }));
}

/**
 * First publication of the events `eventIds` names: handed to the queues at `at`, due to be published
 * again at `retryAt` unless every consumer confirms it before (a fast worker may have confirmed it
 * already). A row published already (a sweep and a relay's own publication crossing) keeps its
 * first publication and schedule.
 */
export async function markPublished(
  executor: Executor,
  eventIds: readonly string[],
  at: Date,
  retryAt: Date,
): Promise<void> {
  if (eventIds.length === 0) return;
  await executor
    .update(outbox)
    .set({ publishedAt: at, attempts: 1, retryAt: sql`IF(${othersDelivered(null)}, NULL, ${retryAt})` })
    .where(and(inArray(outbox.eventId, [...eventIds]), isNull(outbox.publishedAt)));
}

/**
 * The rows due to be published again (outbox_retry_idx), locked for the claiming transaction; rows
 * another worker's sweep is claiming are skipped, so two sweeps share the work instead of doubling it.
 */
export async function lockDueForRepublish(tx: Tx, now: Date, limit: number): Promise<UndeliveredEvent[]> {
  const rows = await tx
    .select({
      id: outbox.id,
      payload: outbox.payload,
      attempts: outbox.attempts,
      createdAt: outbox.createdAt,
      rankingDeliveredAt: outbox.rankingDeliveredAt,
      dataPlatformDeliveredAt: outbox.dataPlatformDeliveredAt,
    })
    .from(outbox)
    .where(lte(outbox.retryAt, now))
    .orderBy(asc(outbox.retryAt))
    .limit(limit)
    .for("update", { skipLocked: true });
  return rows.map((row) => ({
    id: row.id,
    payload: eventOf(row.payload),
    attempts: row.attempts,
    createdAt: row.createdAt,
    undelivered: CONSUMERS.filter((consumer) => row[DELIVERED_FIELD[consumer]] === null),
  }));
}

/** Records one more publication of the rows and when the next is due. */
export async function scheduleRepublish(tx: Tx, ids: readonly number[], retryAt: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, retryAt })
    .where(inArray(outbox.id, [...ids]));
}

/**
 * `consumer` has confirmed the events `eventIds` names (outbox_event_id_uq): one statement for a
 * whole job (or group of jobs). The row is done with (no more retry) once every consumer has. The
 * first confirmation stands; a redelivery confirms nothing new.
 */
export async function markDelivered(
  executor: Executor,
  consumer: Consumer,
  eventIds: readonly string[],
  at: Date,
): Promise<void> {
  if (eventIds.length === 0) return;
  const set: MySqlUpdateSetSource<typeof outbox> = {
    retryAt: sql`IF(${othersDelivered(consumer)}, NULL, ${outbox.retryAt})`,
  };
  set[DELIVERED_FIELD[consumer]] = sql`COALESCE(${DELIVERED_AT[consumer]}, ${at})`;
  await executor
    .update(outbox)
    .set(set)
    .where(inArray(outbox.eventId, [...eventIds]));
}

/** Per consumer: how many events it has not confirmed, and the age in seconds of the oldest (0 when none). */
export async function deliveryBacklog(
  executor: Executor,
): Promise<Record<Consumer, { events: number; oldestSeconds: number }>> {
  const backlog = {} as Record<Consumer, { events: number; oldestSeconds: number }>;
  for (const consumer of CONSUMERS) {
    const undelivered = isNull(DELIVERED_AT[consumer]);
    const [counted] = await executor.select({ n: count() }).from(outbox).where(undelivered);
    // Ages on the database's clock, which also stamped created_at: no skew with this host's.
    const [oldest] = await executor
      .select({ seconds: sql<string>`TIMESTAMPDIFF(MICROSECOND, ${outbox.createdAt}, NOW(3)) / 1000000` })
      .from(outbox)
      .where(undelivered)
      .orderBy(asc(outbox.id))
      .limit(1);
    backlog[consumer] = { events: counted?.n ?? 0, oldestSeconds: oldest ? Math.max(0, Number(oldest.seconds)) : 0 };
  }
  return backlog;
}

/**
 * Drops events every consumer confirmed before `before`, a batch at a time; an event some consumer
 * has not confirmed is never dropped, however old.
 */
export async function deleteDeliveredBefore(executor: Executor, before: Date, limit: number): Promise<number> {
  const [result] = await executor
    .delete(outbox)
    .where(
      and(
        isNotNull(outbox.publishedAt),
        lt(outbox.publishedAt, before),
        ...CONSUMERS.map((consumer) => lt(DELIVERED_AT[consumer], before)),
      ),
    )
    .limit(limit);
  return result.affectedRows;
}
