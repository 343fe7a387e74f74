import type { Tx } from "../db/client.js";
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
