import DataLoader from "dataloader";
import type { Db } from "../../db/client.js";
import { listItemsOfOrders, listPaymentsOfOrders, type OrderItemRow, type PaymentRow } from "./order.repository.js";

/** Rows of several orders in one statement, handed back order by order. */
function byOrder<Row extends { orderId: number }>(
  list: (db: Db, orderIds: readonly number[]) => Promise<Row[]>,
  db: Db,
): DataLoader<number, Row[]> {
  return new DataLoader<number, Row[]>(async (orderIds) => {
    const grouped = new Map<number, Row[]>(orderIds.map((id) => [id, []]));
    for (const row of await list(db, orderIds)) grouped.get(row.orderId)?.push(row);
    return orderIds.map((id) => grouped.get(id) ?? []);
  });
}

export function createOrderLoaders(db: Db) {
  return {
    itemsByOrderId: byOrder<OrderItemRow>(listItemsOfOrders, db),
    paymentsByOrderId: byOrder<PaymentRow>(listPaymentsOfOrders, db),
  };
}
