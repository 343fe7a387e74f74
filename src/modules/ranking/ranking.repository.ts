import { and, asc, desc, eq, gt, gte, lt, lte, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { orderItem, orders } from "../../db/schema/index.js";
import type { Ranked } from "./ranking.rules.js";

/**
 * The ranking straight from order lines paid in [from, to): what popularProducts answers when Redis
 * cannot, and the ground truth the Redis ranking is tested against. Served by order_item_ranking_idx
 * alone. The end bound keeps out orders dated after the caller's today (paid by an API host whose
 * clock is ahead), which the caller's window does not hold in Redis either.
 */
export async function soldBetween(executor: Executor, from: Date, to: Date, limit: number): Promise<Ranked[]> {
  // mapWith: mysql2 hands a BIGINT over as a string when it is past 2^53 (supportBigNumbers).
  const sold = sql<number>`CAST(SUM(${orderItem.quantity}) AS SIGNED)`.mapWith(Number);
  const rows = await executor
    .select({ productId: orderItem.productId, soldQuantity: sold })
    .from(orderItem)
    .where(and(gte(orderItem.createdAt, from), lt(orderItem.createdAt, to), eq(orderItem.status, "PAID")))
    .groupBy(orderItem.productId)
    .orderBy(desc(sold), asc(orderItem.productId))
    .limit(limit);
  return rows.map((row) => ({ productId: row.productId, soldQuantity: row.soldQuantity }));
}

export interface OrderForRebuild {
  id: number;
  memberId: number;
  totalAmount: number;
  createdAt: Date;
}

/** Orders placed since `from`, by id, a batch at a time (keyset on the primary key). */
export function ordersSince(
  executor: Executor,
  from: Date,
  afterId: number,
  limit: number,
): Promise<OrderForRebuild[]> {
  return executor
    .select({ id: orders.id, memberId: orders.memberId, totalAmount: orders.totalAmount, createdAt: orders.createdAt })
    .from(orders)
    .where(and(gt(orders.id, afterId), gte(orders.createdAt, from)))
    .orderBy(asc(orders.id))
    .limit(limit);
}

/**
 * The lines of the orders with ids in (afterOrderId, lastOrderId], in index order. A range, not an
 * IN list of the batch's ids: from 200 ids on, MariaDB stops looking into the index for an IN
 * list's estimates, and with stale statistics (after a bulk load) and an ORDER BY id it chose to
 * read the whole table by primary key, once per batch (the rebuild of a million lines took over
 * ten minutes). The range is served by order_item_order_id_idx, already in (order_id, id) order.
 * Lines of orders outside the batch (placed before its window) are the caller's to skip.
 */
export function itemsOfOrders(executor: Executor, afterOrderId: number, lastOrderId: number) {
  return executor
    .select({
      id: orderItem.id,
      orderId: orderItem.orderId,
      productId: orderItem.productId,
      optionId: orderItem.optionId,
      quantity: orderItem.quantity,
      unitPrice: orderItem.unitPrice,
      status: orderItem.status,
    })
    .from(orderItem)
    .where(and(gt(orderItem.orderId, afterOrderId), lte(orderItem.orderId, lastOrderId)))
    .orderBy(asc(orderItem.orderId), asc(orderItem.id));
}
