import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { BatchedTransaction, Statement } from "../../db/batched-transaction.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import { optionPrice } from "../catalog/catalog.rules.js";
import { movesPoints } from "../point/point.rules.js";
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
// A group of orders never waits for a wallet: one held by another transaction (that member's own
// order or charge, or a stuck session) is skipped, and that member's order is placed on its own.
const LOCK_FREE_WALLETS = `${LOCK_WALLETS} SKIP LOCKED`;

/** How a batch of orders locks its buyers' wallets: wait for each, or skip the ones held by others. */
export type WalletLocking = "wait" | "skip-locked";

/**
 * Batch 1, which also opens the transaction: the options of the ordered products with their
 * committed stock (a plain read: no lock, it never waits), and the buyers' wallets, locked. With
 * "skip-locked", a wallet held elsewhere is missing from `balances`.
 */
export async function readForPlacement(
  tx: BatchedTransaction,
  memberIds: readonly number[],
  productIds: readonly number[],
  walletLocking: WalletLocking,
): Promise<{ options: OptionView[]; balances: Map<number, number> }> {
  const [options, wallets] = (await tx.send([
    { sql: READ_OPTIONS, params: [productIds] },
    {
      sql: walletLocking === "wait" ? LOCK_WALLETS : LOCK_FREE_WALLETS,
      params: [[...memberIds].sort((a, b) => a - b)],
    },
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
 * wallets, new rows). Each order's INSERT keeps its new id in a session variable (`@order_0`, ...),
 * then one multi-row statement per table writes the rows of every order that point at it, one
 * UPDATE sets every wallet, and one SELECT reads the line ids back (in line order). The server pays a
 * fixed cost per statement, so a group of 32 orders is 70 statements, not 220. Ids are read, never
 * computed: a multi-row INSERT need not get consecutive ids (innodb_autoinc_lock_mode = 2).
 */
export async function writeOrders(
  tx: BatchedTransaction,
  orders: readonly OrderToWrite[],
): Promise<Array<{ orderId: number; itemIds: number[] }>> {
  const orderIdOf = (index: number) => `@order_${index}`;
  // Orders of one member in one group: each pays after the one before, the last balance stays.
  const finalBalance = new Map(orders.map((order) => [order.memberId, order.balanceAfter]));
  const lines = orders.flatMap((order, index) =>
    order.lines.map((line) => ({ ...line, orderIndex: index, paidAt: order.paidAt })),
  );
  // A free order pays nothing: no USE entry (see movesPoints).
  const paying = orders.map((order, index) => ({ ...order, index })).filter((order) => movesPoints(order.totalAmount));
  const statements: Statement[] = [
    ...orders.flatMap(({ memberId, totalAmount, paidAt }, index): Statement[] => [
      {
        sql: "INSERT INTO orders (member_id, status, total_amount, created_at, updated_at) VALUES (?, 'PAID', ?, ?, ?)",
        params: [memberId, totalAmount, paidAt, paidAt],
      },
      { sql: `SET ${orderIdOf(index)} = LAST_INSERT_ID()`, params: [] },
    ]),
    {
      sql: `UPDATE point_wallet SET balance = CASE member_id ${[...finalBalance].map(() => "WHEN ? THEN ?").join(" ")} END WHERE member_id IN (?)`,
      params: [...[...finalBalance].flat(), [...finalBalance.keys()]],
    },
    {
      sql: `INSERT INTO order_item (order_id, product_id, option_id, product_name, option_name, unit_price, quantity, amount, status, created_at, updated_at)
            VALUES ${lines.map((line) => `(${orderIdOf(line.orderIndex)}, ?, ?, ?, ?, ?, ?, ?, 'PAID', ?, ?)`).join(", ")}`,
      params: lines.flatMap((line) => [
        line.productId,
        line.optionId,
        line.productName,
        line.optionName,
        line.unitPrice,
        line.quantity,
        line.amount,
        line.paidAt,
        line.paidAt,
      ]),
    },
    {
      sql: `INSERT INTO payment (order_id, member_id, method, amount, created_at, updated_at) VALUES ${orders.map((_, index) => `(${orderIdOf(index)}, ?, 'POINT', ?, ?, ?)`).join(", ")}`,
      params: orders.flatMap(({ memberId, totalAmount, paidAt }) => [memberId, totalAmount, paidAt, paidAt]),
    },
    ...(paying.length === 0
      ? []
      : [
          {
            sql: `INSERT INTO point_ledger (member_id, type, amount, balance_after, order_id, created_at) VALUES ${paying.map((order) => `(?, 'USE', ?, ?, ${orderIdOf(order.index)}, ?)`).join(", ")}`,
            params: paying.flatMap(({ memberId, totalAmount, balanceAfter, paidAt }) => [
              memberId,
              totalAmount,
              balanceAfter,
              paidAt,
            ]),
          },
        ]),
    {
      sql: `SELECT id, order_id AS orderId FROM order_item WHERE order_id IN (${orders.map((_, index) => orderIdOf(index)).join(", ")}) ORDER BY id`,
      params: [],
    },
  ];
  const results = await tx.send(statements);
  const orderIds = orders.map((_, index) => (results[index * 2] as ResultSetHeader).insertId);
  const itemIds = new Map<number, number[]>(orderIds.map((id) => [id, []]));
  for (const row of results.at(-1) as RowDataPacket[]) itemIds.get(Number(row.orderId))!.push(Number(row.id));
  return orderIds.map((orderId) => ({ orderId, itemIds: itemIds.get(orderId)! }));
}

/**
 * Kept for COMMIT's batch: takes the ordered units off the stock rows, the rows a flash sale queues
 * on, so they are locked only between this statement and COMMIT inside the server. One statement for
 * all lines (one per option: see unitsByOption); InnoDB walks the IN list in primary key order, so rows are locked in option id order
 * (one global order, no deadlock between two orders). A line the stock no longer covers would take
 * its row below zero: the CHECK constraint `stock_quantity_non_negative` refuses the statement, and
 * with it the COMMIT after it.
 */
export function takeStockAtCommit(
  tx: BatchedTransaction,
  lines: ReadonlyArray<{ optionId: number; quantity: number }>,
): void {
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
      params: events.flatMap((event) => [
        event.eventId,
        event.type,
        Number(event.order.id),
        JSON.stringify(event),
        new Date(event.occurredAt),
      ]),
    },
  ]);
}
