import { char, datetime, index, int, json, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { createdAt, idPk, idRef } from "./columns.js";

/**
 * Transactional outbox: events are written in the same transaction as the change they describe and
 * relayed to the queue after commit, so a committed order is never left unannounced.
 */
export const outbox = mysqlTable(
  "outbox",
  {
    id: idPk(),
    // Public, globally unique id: the BullMQ job id and the data platform's Idempotency-Key.
    eventId: char("event_id", { length: 36 }).notNull(),
    type: varchar("type", { length: 64 }).notNull(),
    aggregateId: idRef("aggregate_id").notNull(),
    payload: json("payload").notNull(),
    occurredAt: datetime("occurred_at", { mode: "date", fsp: 3 }).notNull(),
    publishedAt: datetime("published_at", { mode: "date", fsp: 3 }),
    attempts: int("attempts").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("outbox_event_id_uq").on(t.eventId),
    // The relay sweeps unpublished rows oldest first.
    index("outbox_unpublished_idx").on(t.publishedAt, t.id),
  ],
);
