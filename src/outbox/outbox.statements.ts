import type { Statement } from "../db/batched-transaction.js";
import type { OrderEvent } from "./order-event.js";

/**
 * The outbox's statement for a batched transaction (src/db/batched-transaction.ts): order placement
 * sends it with COMMIT. Written here, beside outbox.repository.ts, so the outbox table has one owner
 * (see src/modules/point/point.statements.ts for why batched statements are hand-written SQL). The
 * row is the one appendOutboxEvents writes through drizzle: payload as JSON, occurred_at as a Date.
 */
export function appendEventsStatement(events: readonly OrderEvent[]): Statement {
  return {
    sql: `INSERT INTO outbox (event_id, type, aggregate_id, payload, occurred_at) VALUES ${events.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
    params: events.flatMap((event) => [
      event.eventId,
      event.type,
      Number(event.order.id),
      JSON.stringify(event),
      new Date(event.occurredAt),
    ]),
  };
}
