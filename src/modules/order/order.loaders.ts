import DataLoader from "dataloader";
import type { Db } from "../../db/client.js";
import { listItemsOfOrders, type OrderItemRow } from "./order.repository.js";

export function createOrderLoaders(db: Db) {
  return {
    itemsByOrderId: new DataLoader<number, OrderItemRow[]>(async (orderIds) => {
      const grouped = new Map<number, OrderItemRow[]>(orderIds.map((id) => [id, []]));
      for (const item of await listItemsOfOrders(db, orderIds)) grouped.get(item.orderId)?.push(item);
      return orderIds.map((id) => grouped.get(id) ?? []);
    }),
  };
}
