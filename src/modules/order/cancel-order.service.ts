import { randomUUID } from "node:crypto";
import { runInTransaction } from "../../db/transaction.js";
import { appendOutboxEvents } from "../../outbox/outbox.repository.js";
import { orderEvent, type OrderEvent, type OrderSnapshot } from "../../outbox/order-event.js";
import { notFound } from "../../shared/errors.js";
import { orderTransaction, type CardRefund, type OrderDeps } from "./order.deps.js";
import type { OrderQueries } from "./order-queries.service.js";
import {
  findOrderIdOfItem,
  listItemsOfOrders,
  listPaymentsOfOrders,
  lockOrderOfMember,
  markItemsCancelled,
  recordRefund,
  type OrderRow,
  type PaymentMethod,
  type PaymentRow,
} from "./order.repository.js";
import { present } from "../../shared/present.js";
import { cancelLines, splitRefund, type OrderLineState } from "./order.rules.js";

/**
 * Cancels paid lines of an order: stock back, amounts refunded, an ORDER_ITEM_CANCELLED event per
 * line. A plain drizzle transaction (runInTransaction): it is not on the flash-sale path, so it needs
 * none of placeOrder's batching, and it writes a commit token so a lost COMMIT answer is asked about.
 */
export class CancelOrderService {
  constructor(
    private readonly deps: OrderDeps,
    private readonly queries: OrderQueries,
  ) {}

  /** Cancels one PAID line of the caller's order: stock back, amount refunded, order status follows. */
  async cancelOrderItem(memberId: number, orderItemId: number): Promise<OrderRow> {
    const orderId = await findOrderIdOfItem(this.deps.db, orderItemId);
    if (orderId === undefined) throw notFound("order item", orderItemId);
    return this.cancel(memberId, orderId, [orderItemId], () => notFound("order item", orderItemId));
  }

  /** Cancels every line of the caller's order that is still PAID. */
  cancelOrder(memberId: number, orderId: number): Promise<OrderRow> {
    return this.cancel(memberId, orderId, null, () => notFound("order", orderId));
  }

  private async cancel(
    memberId: number,
    orderId: number,
    lineIds: number[] | null,
    missing: () => Error,
  ): Promise<OrderRow> {
    let refundedToCard: readonly CardRefund[] = [];
    // Set by the try that commits (a deadlock retry writes its own): what the relay publishes.
    let events: OrderEvent[] = [];
    await runInTransaction(
      this.deps.db,
      async (tx) => {
        // The order row lock serializes every cancellation of this order: the lines read after it
        // are the latest committed, so a line can be refunded only once.
        const order = await lockOrderOfMember(tx, orderId, memberId);
        if (!order) throw missing();
        const items = await listItemsOfOrders(tx, [orderId]);
        const result = cancelLines(items, lineIds, order.refundedAmount);

        const at = this.deps.clock.now();
        const payments = await listPaymentsOfOrders(tx, [orderId]);
        const refunds = refundsByMethod(result.cancelled, payments);
        // Wallet before stock rows: the lock order placeOrder uses, so the two cannot deadlock.
        await this.deps.points.refund(
          tx,
          memberId,
          refunds.points.map((line) => ({ orderId, orderItemId: line.id, amount: line.amount })),
          at,
        );
        await this.deps.cardRefunds.queue(tx, refunds.card);
        refundedToCard = refunds.card;
        await this.deps.catalog.returnStock(tx, result.cancelled);
        await markItemsCancelled(
          tx,
          result.cancelled.map((line) => line.id),
          at,
        );
        await recordRefund(tx, orderId, result.status, result.refundedAmount, refunds.refundedByMethod);

        const cancelledIds = new Set(result.cancelled.map((line) => line.id));
        const snapshot: OrderSnapshot = {
          ...order,
          payments,
          items: items.map((item) => (cancelledIds.has(item.id) ? { ...item, status: "CANCELLED" } : item)),
        };
        events = result.cancelled.map((line) =>
          orderEvent("ORDER_ITEM_CANCELLED", randomUUID(), at, snapshot, line.id),
        );
        await appendOutboxEvents(tx, events);
      },
      { ...orderTransaction(this.deps), askLostCommit: { pool: this.deps.pool, unit: "cancel_order" } },
    );
    this.deps.outbox.notify(events);
    this.deps.cardRefunds.sendSoon(refundedToCard.map((refund) => refund.paymentKey));
    return this.queries.orderOf(memberId, orderId);
  }
}

/**
 * Where the amount of each cancelled line goes back (splitRefund: card first, then points), line by
 * line so each refund names its line, and what each payment has given back once they are.
 */
function refundsByMethod(
  cancelled: readonly OrderLineState[],
  payments: readonly PaymentRow[],
): {
  points: Array<{ id: number; amount: number }>;
  card: CardRefund[];
  refundedByMethod: Map<PaymentMethod, number>;
} {
  const card = payments.find((paid) => paid.method === "CARD");
  const point = payments.find((paid) => paid.method === "POINT");
  let cardLeft = card ? card.amount - card.refundedAmount : 0;
  const points: Array<{ id: number; amount: number }> = [];
  const cardRefunds: CardRefund[] = [];
  for (const line of cancelled) {
    const split = splitRefund(line.amount, cardLeft);
    cardLeft -= split.card;
    points.push({ id: line.id, amount: split.points });
    if (split.card > 0)
      cardRefunds.push({
        paymentKey: present(card?.paymentKey, "the card payment's key"),
        amount: split.card,
        cause: "ORDER_ITEM_CANCELLED",
        reason: `order line ${line.id} cancelled`,
        orderItemId: line.id,
      });
  }
  const refundedByMethod = new Map<PaymentMethod, number>();
  const toCard = cardRefunds.reduce((total, refund) => total + refund.amount, 0);
  const toPoints = points.reduce((total, refund) => total + refund.amount, 0);
  if (card) refundedByMethod.set("CARD", card.refundedAmount + toCard);
  if (point) refundedByMethod.set("POINT", point.refundedAmount + toPoints);
  return { points, card: cardRefunds, refundedByMethod };
}
