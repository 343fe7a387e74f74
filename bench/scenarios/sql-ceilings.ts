import { performance } from "node:perf_hooks";
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { Outcome } from "../harness/load.js";

/**
 * The ceilings the order scenarios are measured against: the same work written the obvious way,
 * straight through mysql2, with no HTTP, GraphQL, auth, idempotency, ledger, payment or outbox.
 */

export interface NaiveLine {
  productId: number;
  optionId: number;
  quantity: number;
  unitPrice: number;
}

/** Time between sending the first locking read and COMMIT returning: how long the hot row stays locked. */
export class LockHoldSamples {
  private readonly samples: number[] = [];
  add(ms: number): void {
    if (this.samples.length < 200_000) this.samples.push(ms);
  }
  p50(): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  }
}

async function rollbackQuietly(connection: PoolConnection): Promise<void> {
  try {
    await connection.query("ROLLBACK");
  } catch {
    // the connection is broken: the pool drops it on release
  }
}

/**
 * The naive order transaction: lock the stock rows and the wallet with SELECT ... FOR UPDATE, check
 * them in code, one UPDATE per stock row, one for the wallet, insert the order and its lines, commit.
 * Nine round trips for one line, each of them with the stock row locked.
 */
export async function naiveOrder(
  pool: Pool,
  memberId: number,
  lines: readonly NaiveLine[],
  holds?: LockHoldSamples,
): Promise<Outcome> {
  const connection = await pool.getConnection();
  try {
    await connection.query("START TRANSACTION");
    const lockedAt = performance.now();
    const optionIds = lines.map((line) => line.optionId).sort((a, b) => a - b);
    const [stock] = await connection.query<RowDataPacket[]>(
      "SELECT option_id, quantity FROM stock WHERE option_id IN (?) ORDER BY option_id FOR UPDATE",
      [optionIds],
    );
    const onHand = new Map(stock.map((row) => [Number(row.option_id), Number(row.quantity)]));
    if (lines.some((line) => (onHand.get(line.optionId) ?? 0) < line.quantity)) {
      await rollbackQuietly(connection);
      return "INSUFFICIENT_STOCK";
    }
    const total = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
    const [[wallet]] = (await connection.query<RowDataPacket[]>(
      "SELECT balance FROM point_wallet WHERE member_id = ? FOR UPDATE",
      [memberId],
    )) as [RowDataPacket[], unknown];
    if (!wallet || Number(wallet.balance) < total) {
      await rollbackQuietly(connection);
      return "INSUFFICIENT_BALANCE";
    }
    for (const line of lines) {
      await connection.query("UPDATE stock SET quantity = quantity - ? WHERE option_id = ?", [
        line.quantity,
        line.optionId,
      ]);
    }
    await connection.query("UPDATE point_wallet SET balance = balance - ? WHERE member_id = ?", [total, memberId]);
    const [order] = await connection.query<ResultSetHeader>(
      "INSERT INTO orders (member_id, status, total_amount) VALUES (?, 'PAID', ?)",
      [memberId, total],
    );
    await connection.query(
      "INSERT INTO order_item (order_id, product_id, option_id, product_name, option_name, unit_price, quantity, amount, status) VALUES ?",
      [
        lines.map((line) => [
          order.insertId,
          line.productId,
          line.optionId,
          "product",
          "option",
          line.unitPrice,
          line.quantity,
          line.unitPrice * line.quantity,
          "PAID",
        ]),
      ],
    );
    await connection.query("COMMIT");
    holds?.add(performance.now() - lockedAt);
    return null;
  } catch (error) {
    await rollbackQuietly(connection);
    throw error;
  } finally {
    connection.release();
  }
}

/** The floor of any order on one hot row: a single autocommit UPDATE of it, nothing else. */
export async function bareStockUpdate(pool: Pool, optionId: number): Promise<Outcome> {
  const [result] = await pool.query<ResultSetHeader>(
    "UPDATE stock SET quantity = quantity - 1 WHERE option_id = ? AND quantity > 0",
    [optionId],
  );
  return result.affectedRows === 1 ? null : "INSUFFICIENT_STOCK";
}

/** The naive charge: lock the wallet, add, write the ledger entry, commit. */
export async function naiveCharge(pool: Pool, memberId: number, amount: number): Promise<Outcome> {
  const connection = await pool.getConnection();
  try {
    await connection.query("START TRANSACTION");
    const [[wallet]] = (await connection.query<RowDataPacket[]>(
      "SELECT balance FROM point_wallet WHERE member_id = ? FOR UPDATE",
      [memberId],
    )) as [RowDataPacket[], unknown];
    const balance = Number(wallet!.balance) + amount;
    await connection.query("UPDATE point_wallet SET balance = ? WHERE member_id = ?", [balance, memberId]);
    await connection.query(
      "INSERT INTO point_ledger (member_id, type, amount, balance_after) VALUES (?, 'CHARGE', ?, ?)",
      [memberId, amount, balance],
    );
    await connection.query("COMMIT");
    return null;
  } catch (error) {
    await rollbackQuietly(connection);
    throw error;
  } finally {
    connection.release();
  }
}
