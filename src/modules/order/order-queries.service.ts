import type { Db } from "../../db/transaction.js";
import { notFound } from "../../shared/errors.js";
import { toPage, type Page, type PageRequest } from "../../shared/pagination.js";
import {
  countOrdersOfMember,
  findOrderOfMember,
  listItemsOfOrders,
  listOrdersOfMember,
  type OrderRow,
  type PlacedOrder,
} from "./order.repository.js";

/** Reading a member's orders: no transaction, no lock, the latest committed rows. */
export class OrderQueries {
  constructor(private readonly db: Db) {}

  /** The caller's order; another member's order is NOT_FOUND, like one that does not exist. */
  async orderOf(memberId: number, orderId: number): Promise<OrderRow> {
    const order = await findOrderOfMember(this.db, orderId, memberId);
    if (!order) throw notFound("order", orderId);
    return order;
  }

  /** The caller's orders, newest first. */
  async ordersOf(memberId: number, request: PageRequest): Promise<Page<OrderRow>> {
    return toPage(await listOrdersOfMember(this.db, memberId, request), request);
  }

  /** How many orders the caller has. */
  countOrdersOf(memberId: number): Promise<number> {
    return countOrdersOfMember(this.db, memberId);
  }

  /** The caller's order with its lines, as committed (what a replayed placeOrder answers). */
  async placedOrder(memberId: number, orderId: number): Promise<PlacedOrder> {
    const order = await this.orderOf(memberId, orderId);
    return { order, items: await listItemsOfOrders(this.db, [orderId]) };
  }
}
