import { and, asc, count, desc, eq, inArray, lt } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { orderItem, orders, payment } from "../../db/schema/index.js";
import type { PageRequest } from "../../shared/pagination.js";
import type { OrderStatus } from "./order.rules.js";

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItem.$inferSelect;

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

export async function recordRefund(
  tx: Tx,
  orderId: number,
  status: OrderStatus,
  refundedAmount: number,
): Promise<void> {
  await tx.update(orders).set({ status, refundedAmount }).where(eq(orders.id, orderId));
  await tx.update(payment).set({ refundedAmount }).where(eq(payment.orderId, orderId));
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
