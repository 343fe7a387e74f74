import { and, asc, inArray, isNotNull, isNull, lt } from "drizzle-orm";
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

export interface UnpublishedEvent {
  id: number;
  payload: OrderEvent;
}

/** The oldest events not yet handed to the queue (outbox_unpublished_idx). */
export async function listUnpublished(executor: Executor, limit: number): Promise<UnpublishedEvent[]> {
  const rows = await executor
    .select({ id: outbox.id, payload: outbox.payload })
    .from(outbox)
    .where(isNull(outbox.publishedAt))
    .orderBy(asc(outbox.id))
    .limit(limit);
  // MariaDB stores JSON as text: the driver may hand back a string.
  return rows.map((row) => ({ id: row.id, payload: (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as OrderEvent }));
}

export async function markPublished(executor: Executor, ids: readonly number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await executor.update(outbox).set({ publishedAt: at }).where(inArray(outbox.id, [...ids]));
}

/** Drops published events older than `before`, a batch at a time; unpublished ones are never dropped. */
export async function deletePublishedBefore(executor: Executor, before: Date, limit: number): Promise<number> {
  const [result] = await executor.delete(outbox).where(and(isNotNull(outbox.publishedAt), lt(outbox.publishedAt, before))).limit(limit);
  return result.affectedRows;
}
