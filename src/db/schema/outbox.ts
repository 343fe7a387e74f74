import { char, datetime, index, int, json, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { createdAt, idPk, idRef } from "./columns.js";

/**
 * Transactional outbox: events are written in the same transaction as the change they describe and
 * relayed to the queue after commit, so a committed order is never left unannounced. A row stays the
 * truth until every consumer has confirmed its event (its `*_delivered_at`): until then the worker's
 * sweep publishes it again at `retry_at`, whatever happened to its jobs in Redis.
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
    /** First handed to the queues. */
    publishedAt: datetime("published_at", { mode: "date", fsp: 3 }),
    /** How many times the row was handed to the queues (the first time included). */
    attempts: int("attempts").notNull().default(0),
    createdAt: createdAt(),
    /** The ranking counted the event (its job completed). */
    rankingDeliveredAt: datetime("ranking_delivered_at", { mode: "date", fsp: 3 }),
    /** The data platform answered 2xx. */
    dataPlatformDeliveredAt: datetime("data_platform_delivered_at", { mode: "date", fsp: 3 }),
    /** When the sweep publishes the row again if a consumer has still not confirmed it; null once all have. */
    retryAt: datetime("retry_at", { mode: "date", fsp: 3 }),
  },
  (t) => [
    uniqueIndex("outbox_event_id_uq").on(t.eventId),
    // The relay sweeps unpublished rows oldest first.
    index("outbox_unpublished_idx").on(t.publishedAt, t.id),
    // Per consumer, its undelivered rows oldest first: the backlog and the oldest one's age on /metrics.
    index("outbox_ranking_undelivered_idx").on(t.rankingDeliveredAt, t.id),
    index("outbox_data_platform_undelivered_idx").on(t.dataPlatformDeliveredAt, t.id),
    // The worker's sweep: rows due to be published again.
    index("outbox_retry_idx").on(t.retryAt),
  ],
);
