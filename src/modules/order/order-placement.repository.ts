import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { BatchedTransaction, Statement } from "../../db/batched-transaction.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import { appendEventsStatement } from "../../outbox/outbox.statements.js";
import { isStockShortage, optionViewsOf, selectOptionsOfProducts, takeStock } from "../catalog/catalog.statements.js";
import type { OptionView } from "../catalog/catalog.service.js";
import {
  balancesOf,
  insertUseEntries,
  lockWallets,
  setBalances,
  type WalletLocking,
} from "../point/point.statements.js";
import type { PricedLine } from "./order.rules.js";
import { present } from "../../shared/present.js";

export type { WalletLocking };

/**
 * The statements of order placement, sent in three batches (see place-order.service.ts). The order
 * tables (orders, order_item, payment) are written here; the catalog's and the point module's rows
 * through the statements those modules own (catalog.statements.ts, point.statements.ts), composed
 * into the same batches. Like theirs, these texts are hand-written SQL, not drizzle's builder: this
 * is the one hot path where building a statement (~0.1 ms of CPU per call, about what the server
 * takes to run it) would show. Every value is a `?` parameter.
 */

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
  const [options, wallets] = await tx.send([
    selectOptionsOfProducts(productIds),
    lockWallets(memberIds, walletLocking),
  ]);
  return { options: optionViewsOf(options), balances: balancesOf(wallets) };
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
  const orderIdOf = (index: number) => `@order_${index}` as const;
  // Orders of one member in one group: each pays after the one before, the last balance stays.
  const finalBalance = new Map(orders.map((order) => [order.memberId, order.balanceAfter]));
  const lines = orders.flatMap((order, index) =>
    order.lines.map((line) => ({ ...line, orderIndex: index, paidAt: order.paidAt })),
  );
  const statements: Statement[] = [
    ...orders.flatMap(({ memberId, totalAmount, paidAt }, index): Statement[] => [
      {
        sql: "INSERT INTO orders (member_id, status, total_amount, created_at, updated_at) VALUES (?, 'PAID', ?, ?, ?)",
        params: [memberId, totalAmount, paidAt, paidAt],
      },
      { sql: `SET ${orderIdOf(index)} = LAST_INSERT_ID()`, params: [] },
    ]),
    setBalances(finalBalance),
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
    ...insertUseEntries(
      orders.map((order, index) => ({
        memberId: order.memberId,
        amount: order.totalAmount,
        balanceAfter: order.balanceAfter,
        orderIdVariable: orderIdOf(index),
        createdAt: order.paidAt,
      })),
    ),
    {
      sql: `SELECT id, order_id AS orderId FROM order_item WHERE order_id IN (${orders.map((_, index) => orderIdOf(index)).join(", ")}) ORDER BY id`,
      params: [],
    },
  ];
  const results = await tx.send(statements);
  const orderIds = orders.map((_, index) => (results[index * 2] as ResultSetHeader).insertId);
  const itemIds = new Map<number, number[]>(orderIds.map((id) => [id, []]));
  for (const row of results.at(-1) as RowDataPacket[])
    present(itemIds.get(Number(row.orderId)), `order ${row.orderId}`).push(Number(row.id));
  return orderIds.map((orderId) => ({ orderId, itemIds: present(itemIds.get(orderId), `lines of order ${orderId}`) }));
}

/**
 * Kept for COMMIT's batch: takes the ordered units off the stock rows, the rows a flash sale queues
 * on, so they are locked only between this statement and COMMIT inside the server (see takeStock).
 * If the stock no longer covers a line, the statement is refused, and with it the COMMIT after it:
 * the caller then gets `stockTaken()`'s error instead of the server's.
 */
export function takeStockAtCommit(
  tx: BatchedTransaction,
  units: ReadonlyArray<{ optionId: number; quantity: number }>,
  stockTaken: () => Error,
): void {
  tx.sendAtCommit([takeStock(units)], (error) => (isStockShortage(error) ? stockTaken() : undefined));
}

/** Kept for COMMIT's batch: the order's event rows for the outbox relay. */
export function appendOutboxAtCommit(tx: BatchedTransaction, events: readonly OrderEvent[]): void {
  tx.sendAtCommit([appendEventsStatement(events)]);
}
