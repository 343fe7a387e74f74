import { and, asc, count, desc, eq, inArray, lt } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { orderItem, orders, payment } from "../../db/schema/index.js";
import type { PageRequest } from "../../shared/pagination.js";
import type { OrderStatus } from "./order.rules.js";

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItem.$inferSelect;
export type PaymentRow = typeof payment.$inferSelect;
export type PaymentMethod = PaymentRow["method"];

/** An order as committed, with its lines. */
export interface PlacedOrder {
  order: OrderRow;
  items: OrderItemRow[];
}

/** The caller's order, locked for a cancellation; undefined for another member's order too. */
export async function lockOrderOfMember(tx: Tx, orderId: number, memberId: number): Promise<OrderRow | undefined> {
  const rows = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.memberId, memberId)))
    .for("update");
  return rows[0];
}

export async function findOrderIdOfItem(executor: Executor, orderItemId: number): Promise<number | undefined> {
  const rows = await executor
    .select({ orderId: orderItem.orderId })
    .from(orderItem)
    .where(eq(orderItem.id, orderItemId));
  return rows[0]?.orderId;
}

export function listItemsOfOrders(executor: Executor, orderIds: readonly number[]): Promise<OrderItemRow[]> {
  return executor
    .select()
    .from(orderItem)
    .where(inArray(orderItem.orderId, [...orderIds]))
    .orderBy(asc(orderItem.id));
}

export async function markItemsCancelled(tx: Tx, itemIds: readonly number[], at: Date): Promise<void> {
  await tx
    .update(orderItem)
    .set({ status: "CANCELLED", cancelledAt: at })
    .where(inArray(orderItem.id, [...itemIds]));
}

/** The order after a cancellation: its status, its refunded total, and what each payment gave back. */
export async function recordRefund(
  tx: Tx,
  orderId: number,
  status: OrderStatus,
  refundedAmount: number,
  refundedByMethod: ReadonlyMap<PaymentMethod, number>,
): Promise<void> {
  await tx.update(orders).set({ status, refundedAmount }).where(eq(orders.id, orderId));
  for (const [method, refunded] of refundedByMethod)
    await tx
      .update(payment)
      .set({ refundedAmount: refunded })
      .where(and(eq(payment.orderId, orderId), eq(payment.method, method)));
}

/** The payments of the orders, points before card for each order. */
export function listPaymentsOfOrders(executor: Executor, orderIds: readonly number[]): Promise<PaymentRow[]> {
  if (orderIds.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(payment)
    .where(inArray(payment.orderId, [...orderIds]))
    .orderBy(asc(payment.orderId), asc(payment.method));
}

/** A new paid order with its lines and payments (a checkout's sale); returns the order as written. */
export async function insertPaidOrder(
  tx: Tx,
  order: {
    memberId: number;
    totalAmount: number;
    paidAt: Date;
    lines: ReadonlyArray<{
      productId: number;
      optionId: number;
      productName: string;
      optionName: string;
      unitPrice: number;
      quantity: number;
      amount: number;
    }>;
    payments: ReadonlyArray<{ method: PaymentMethod; amount: number; paymentKey: string | null }>;
  },
): Promise<PlacedOrder> {
  const { memberId, totalAmount, paidAt } = order;
  const [inserted] = await tx
    .insert(orders)
    .values({ memberId, status: "PAID", totalAmount, createdAt: paidAt, updatedAt: paidAt });
  const orderId = inserted.insertId;
  // Each column named: the lines may be rows of another table (a checkout's), whose ids are not these.
  await tx.insert(orderItem).values(
    order.lines.map((line) => ({
      orderId,
      productId: line.productId,
      optionId: line.optionId,
      productName: line.productName,
      optionName: line.optionName,
      unitPrice: line.unitPrice,
      quantity: line.quantity,
      amount: line.amount,
      status: "PAID" as const,
      createdAt: paidAt,
      updatedAt: paidAt,
    })),
  );
  await tx.insert(payment).values(
    order.payments.map((paid) => ({
      orderId,
      memberId,
      method: paid.method,
      amount: paid.amount,
      paymentKey: paid.paymentKey,
      createdAt: paidAt,
      updatedAt: paidAt,
    })),
  );
  const [row] = await tx.select().from(orders).where(eq(orders.id, orderId));
  if (!row) throw new Error(`order ${orderId} vanished inside its own transaction`);
  return { order: row, items: await listItemsOfOrders(tx, [orderId]) };
}

export async function findOrderOfMember(
  executor: Executor,
  orderId: number,
  memberId: number,
): Promise<OrderRow | undefined> {
  const rows = await executor
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.memberId, memberId)));
  return rows[0];
}

/** Newest first; one row more than asked, to tell whether another page follows. */
export function listOrdersOfMember(executor: Executor, memberId: number, page: PageRequest): Promise<OrderRow[]> {
  return executor
    .select()
    .from(orders)
    .where(and(eq(orders.memberId, memberId), page.beforeId === null ? undefined : lt(orders.id, page.beforeId)))
    .orderBy(desc(orders.id))
    .limit(page.first + 1);
}

export async function countOrdersOfMember(executor: Executor, memberId: number): Promise<number> {
  const [row] = await executor.select({ total: count() }).from(orders).where(eq(orders.memberId, memberId));
  return row?.total ?? 0;
}
