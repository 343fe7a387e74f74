/** The events other systems hear about. Names and body follow the data platform contract (SPEC.md). */
export type OrderEventType = "ORDER_PAID" | "ORDER_ITEM_CANCELLED";

/**
 * A line's status as the contract names it. Written here rather than taken from the order module:
 * the outbox sits below every module that writes or reads events, and the contract is the platform's,
 * not the order table's. The order module's own status must fit it, which the compiler checks where
 * the order service builds an event.
 */
export type OrderEventItemStatus = "PAID" | "CANCELLED";

export interface OrderEventItem {
  id: string;
  productId: string;
  optionId: string;
  quantity: number;
  unitPrice: number;
  status: OrderEventItemStatus;
}

/** How the order was paid, one entry per method: POINT, CARD, or both (a mixed payment). */
export interface OrderEventPayment {
  method: "POINT" | "CARD";
  amount: number;
}

export interface OrderEvent {
  eventId: string;
  type: OrderEventType;
  occurredAt: string;
  order: {
    id: string;
    memberId: string;
    totalAmount: number;
    /** When the order was paid: a cancellation counts against the ranking day of the payment. */
    paidAt: string;
    items: OrderEventItem[];
    /** How the order was paid; every event the service sends carries it (ranking rebuilds need none). */
    payments?: OrderEventPayment[];
  };
  /** ORDER_ITEM_CANCELLED only: the line this event cancels. */
  orderItemId?: string;
}

export interface OrderSnapshot {
  id: number;
  memberId: number;
  totalAmount: number;
  createdAt: Date;
  items: ReadonlyArray<{
    id: number;
    productId: number;
    optionId: number;
    quantity: number;
    unitPrice: number;
    status: OrderEventItemStatus;
  }>;
  payments?: readonly OrderEventPayment[];
}

/** Builds an event body from the order as it stands when the event happens. */
export function orderEvent(
  type: OrderEventType,
  eventId: string,
  occurredAt: Date,
  order: OrderSnapshot,
  orderItemId?: number,
): OrderEvent {
  return {
    eventId,
    type,
    occurredAt: occurredAt.toISOString(),
    order: {
      id: String(order.id),
      memberId: String(order.memberId),
      totalAmount: order.totalAmount,
      paidAt: order.createdAt.toISOString(),
      items: order.items.map((item) => ({
        id: String(item.id),
        productId: String(item.productId),
        optionId: String(item.optionId),
        quantity: item.quantity,
        unitPrice: item.unitPrice,
        status: item.status,
      })),
      ...(order.payments === undefined
        ? {}
        : { payments: order.payments.map((payment) => ({ method: payment.method, amount: payment.amount })) }),
    },
    ...(orderItemId === undefined ? {} : { orderItemId: String(orderItemId) }),
  };
}
