import type { RowDataPacket } from "mysql2/promise";
import type { BatchedTransaction, Statement } from "../../db/batched-transaction.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import { optionPrice } from "../catalog/catalog.rules.js";
import type { OptionView } from "../catalog/catalog.repository.js";
import type { PricedLine } from "./order.rules.js";

/**
 * The statements of placeOrder, written out by hand and sent in three batches (see OrderService).
 * This is the one hot path that skips drizzle's query builder: building a statement costs ~0.1 ms of
 * CPU per call there, about as much as the server takes to run it, and these run on every order. The
 * texts are constants; every value is a `?` parameter. The schema-drift and order tests run them
 * against the migrated schema, so a renamed column fails there.
 */

const READ_OPTIONS = `SELECT o.id, o.product_id AS productId, p.name AS productName, o.name, o.additional_price AS additionalPrice,
       p.price AS productPrice, s.quantity AS stock
  FROM product_option o JOIN product p ON p.id = o.product_id JOIN stock s ON s.option_id = o.id
 WHERE o.product_id IN (?) ORDER BY o.product_id, o.id`;
// Ascending member id: two groups of orders lock their wallets in the same order.
const LOCK_WALLETS = "SELECT member_id, balance FROM point_wallet WHERE member_id IN (?) ORDER BY member_id FOR UPDATE";

/**
 * Batch 1, which also opens the transaction: the options of the ordered products with their
 * committed stock (a plain read: no lock, it never waits), and the buyers' wallets, locked.
 */
export async function readForPlacement(
  tx: BatchedTransaction,
  memberIds: readonly number[],
  productIds: readonly number[],
): Promise<{ options: OptionView[]; balances: Map<number, number> }> {
  const [options, wallets] = (await tx.send([
    { sql: READ_OPTIONS, params: [productIds] },
    { sql: LOCK_WALLETS, params: [[...memberIds].sort((a, b) => a - b)] },
  ])) as [RowDataPacket[], RowDataPacket[]];
  return {
    options: options.map((row) => ({
      id: Number(row.id),
      productId: Number(row.productId),
      productName: String(row.productName),
      name: String(row.name),
      additionalPrice: Number(row.additionalPrice),
      price: optionPrice(Number(row.productPrice), Number(row.additionalPrice)),
      stock: Number(row.stock),
    })),
    balances: new Map(wallets.map((row) => [Number(row.member_id), Number(row.balance)])),
  };
}

export interface OrderToWrite {
  memberId: number;
  totalAmount: number;
  /** The wallet after this order (orders of one member in one batch: each after the one before). */
  balanceAfter: number;
  paidAt: Date;
  lines: readonly PricedLine[];
}

/**
 * Batch 2: the payment side of one or more orders, on rows nobody else waits for (the buyers' own
 * wallets, new rows). `@order_id` carries each new order's id from its INSERT to the rows that point
 * at it, inside the batch; a SELECT after each order reads the ids back (line ids in line order).
 */
export async function writeOrders(tx: BatchedTransaction, orders: readonly OrderToWrite[]): Promise<Array<{ orderId: number; itemIds: number[] }>> {
  const statements = orders.flatMap(({ memberId, totalAmount, balanceAfter, paidAt, lines }): Statement[] => [
    { sql: "UPDATE point_wallet SET balance = ? WHERE member_id = ?", params: [balanceAfter, memberId] },
    {
      sql: "INSERT INTO orders (member_id, status, total_amount, created_at, updated_at) VALUES (?, 'PAID', ?, ?, ?)",
      params: [memberId, totalAmount, paidAt, paidAt],
    },
    { sql: "SET @order_id = LAST_INSERT_ID()", params: [] },
    {
      sql: `INSERT INTO order_item (order_id, product_id, option_id, product_name, option_name, unit_price, quantity, amount, status, created_at, updated_at)
            VALUES ${lines.map(() => "(@order_id, ?, ?, ?, ?, ?, ?, ?, 'PAID', ?, ?)").join(", ")}`,
      params: lines.flatMap((line) => [line.productId, line.optionId, line.productName, line.optionName, line.unitPrice, line.quantity, line.amount, paidAt, paidAt]),
    },
    { sql: "INSERT INTO payment (order_id, member_id, method, amount, created_at, updated_at) VALUES (@order_id, ?, 'POINT', ?, ?, ?)", params: [memberId, totalAmount, paidAt, paidAt] },
    {
      sql: "INSERT INTO point_ledger (member_id, type, amount, balance_after, order_id, created_at) VALUES (?, 'USE', ?, ?, @order_id, ?)",
      params: [memberId, totalAmount, balanceAfter, paidAt],
    },
    { sql: "SELECT id, order_id AS orderId FROM order_item WHERE order_id = @order_id ORDER BY id", params: [] },
  ]);
  const results = await tx.send(statements);
  const perOrder = statements.length / orders.length;
  return orders.map((_, index) => {
    const items = results[(index + 1) * perOrder - 1] as RowDataPacket[];
    return { orderId: Number(items[0]!.orderId), itemIds: items.map((row) => Number(row.id)) };
  });
}

/**
 * Kept for COMMIT's batch: takes the ordered units off the stock rows, the rows a flash sale queues
 * on, so they are locked only between this statement and COMMIT inside the server. One statement for
 * all lines (one per option: see unitsByOption); InnoDB walks the IN list in primary key order, so rows are locked in option id order
 * (one global order, no deadlock between two orders). A line the stock no longer covers would take
 * its row below zero: the CHECK constraint `stock_quantity_non_negative` refuses the statement, and
 * with it the COMMIT after it.
 */
export function takeStockAtCommit(tx: BatchedTransaction, lines: ReadonlyArray<{ optionId: number; quantity: number }>): void {
  const cases = lines.map(() => "WHEN ? THEN ?").join(" ");
  tx.sendAtCommit([
    {
      sql: `UPDATE stock SET quantity = quantity - CASE option_id ${cases} END WHERE option_id IN (?)`,
      params: [...lines.flatMap((line) => [line.optionId, line.quantity]), lines.map((line) => line.optionId)],
    },
  ]);
}

export const STOCK_CHECK_CONSTRAINT = "stock_quantity_non_negative";

/** Kept for COMMIT's batch: the order's event rows for the outbox relay. */
export function appendOutboxAtCommit(tx: BatchedTransaction, events: readonly OrderEvent[]): void {
  tx.sendAtCommit([
    {
      sql: `INSERT INTO outbox (event_id, type, aggregate_id, payload, occurred_at) VALUES ${events.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
      params: events.flatMap((event) => [event.eventId, event.type, Number(event.order.id), JSON.stringify(event), new Date(event.occurredAt)]),
    },
  ]);
}
