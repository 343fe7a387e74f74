import { randomUUID } from "node:crypto";
import type { Tx } from "../../db/transaction.js";
import { appendOutboxEvents } from "../../outbox/outbox.repository.js";
import { orderEvent } from "../../outbox/order-event.js";
import { insertPaidOrder, type PaymentMethod, type PlacedOrder } from "./order.repository.js";
import type { PricedLine } from "./order.rules.js";

/** A sale decided elsewhere (a checkout the PG approved): its buyer, lines as priced, and how it was paid. */
export interface Sale {
  memberId: number;
  lines: readonly PricedLine[];
  payments: ReadonlyArray<{ method: PaymentMethod; amount: number; paymentKey: string | null }>;
  paidAt: Date;
}

/**
 * Inside the caller's transaction: writes the sale as a PAID order (order, lines, payments) and its
 * ORDER_PAID event, exactly as placeOrder's orders are, so the ranking and the data platform count
 * it the same way. Stock and points are the caller's: a checkout took them when it started. The
 * caller tells the outbox relay after its commit.
 */
export async function recordSale(tx: Tx, sale: Sale): Promise<PlacedOrder> {
  const totalAmount = sale.lines.reduce((total, line) => total + line.amount, 0);
  const paid = sale.payments.reduce((total, payment) => total + payment.amount, 0);
  if (paid !== totalAmount) throw new Error(`a sale of ${totalAmount} paid ${paid}`);
  const placed = await insertPaidOrder(tx, { ...sale, totalAmount });
  await appendOutboxEvents(tx, [
    orderEvent("ORDER_PAID", randomUUID(), sale.paidAt, {
      ...placed.order,
      createdAt: sale.paidAt,
      items: placed.items,
      payments: sale.payments,
    }),
  ]);
  return placed;
}
