import type { Pool, RowDataPacket } from "mysql2/promise";

/** What these checks need of a pool: the service's own (WriterPool) or a test's mysql2 pool. */
type SqlReader = Pick<Pool, "query" | "escapeId">;
import type { FakePgDriver } from "./fake-pg-driver.js";
import type { TestApp } from "./test-app.js";

/**
 * Sends every refund still owed, due or not (the worker's part, done at once), so the books can be
 * compared with the PG's. Returns how many stay owed (a PG that keeps refusing).
 */
export async function deliverOwedRefunds(app: TestApp): Promise<number> {
  const [rows] = await app.database.pool.query<RowDataPacket[]>(
    "SELECT DISTINCT payment_key AS paymentKey FROM pg_refund WHERE status = 'PENDING'",
  );
  let owed = 0;
  for (const row of rows) owed += await app.services.pgRefunds.deliver(String(row.paymentKey));
  return owed;
}

/** A payment as the fake PG lists it (GET /control/payments). */
interface PgPaymentListed {
  paymentKey: string;
  orderId: string;
  status: string;
  totalAmount: number;
  balanceAmount: number;
}

const CAPTURED = new Set(["DONE", "PARTIAL_CANCELED", "CANCELED"]);

/**
 * The money invariants between the shop and the PG, checked with plain SQL and the PG's own list,
 * independent of the service's code. Call it once the refunds are delivered (pg_refund all DONE):
 * - every payment the PG captured ends with exactly one order paid by it, or cancelled in full;
 * - no card payment of an order without a payment the PG captured, of that amount;
 * - what the PG gave back of each payment is what the shop recorded as refunded to the card, and never
 *   more than was paid;
 * - one checkout per paymentKey, and at most one captured payment per checkout (pgOrderId).
 * Returns one line per violation.
 */
export async function checkPaymentInvariants(pool: SqlReader, pg: FakePgDriver): Promise<string[]> {
  const violations: string[] = [];
  const rows = async <T>(sql: string): Promise<T[]> => (await pool.query<RowDataPacket[]>(sql))[0] as T[];
  const { payments } = await pg.listing<{ payments: PgPaymentListed[] }>("/control/payments");
  const cards = await rows<{ order_id: number; payment_key: string; amount: string; refunded_amount: string }>(
    "SELECT order_id, payment_key, amount, refunded_amount FROM payment WHERE method = 'CARD'",
  );
  const checkoutKeys = await rows<{ pg_order_id: string }>("SELECT pg_order_id FROM checkout");
  const ours = new Set(checkoutKeys.map((row) => row.pg_order_id));
  const pending = await rows<{ n: number }>("SELECT COUNT(*) AS n FROM pg_refund WHERE status = 'PENDING'");
  if (Number(pending[0]?.n) > 0) violations.push(`${pending[0]?.n} refund(s) still owed at the PG`);

  const capturedPerOrder = new Map<string, number>();
  for (const payment of payments.filter((candidate) => ours.has(candidate.orderId))) {
    const where = `PG payment ${payment.paymentKey} (order ${payment.orderId}, ${payment.status})`;
    if (!CAPTURED.has(payment.status)) {
      if (cards.some((card) => card.payment_key === payment.paymentKey))
        violations.push(`${where}: an order stands on a payment the PG never captured`);
      continue;
    }
    capturedPerOrder.set(payment.orderId, (capturedPerOrder.get(payment.orderId) ?? 0) + 1);
    const orders = cards.filter((card) => card.payment_key === payment.paymentKey);
    const cancelled = payment.totalAmount - payment.balanceAmount;
    if (orders.length > 1) violations.push(`${where}: ${orders.length} orders`);
    const [order] = orders;
    if (order === undefined) {
      if (payment.balanceAmount !== 0)
        violations.push(`${where}: no order, and ${payment.balanceAmount} not given back`);
      continue;
    }
    if (Number(order.amount) !== payment.totalAmount)
      violations.push(
        `${where}: order ${order.order_id} was paid ${order.amount} by card, the PG captured ${payment.totalAmount}`,
      );
    if (Number(order.refunded_amount) !== cancelled)
      violations.push(
        `${where}: the shop refunded ${order.refunded_amount} to the card, the PG gave back ${cancelled}`,
      );
  }
  for (const [orderId, captured] of capturedPerOrder)
    if (captured > 1) violations.push(`checkout ${orderId}: ${captured} captured payments`);
  for (const card of cards) {
    const payment = payments.find((candidate) => candidate.paymentKey === card.payment_key);
    if (!payment || !CAPTURED.has(payment.status))
      violations.push(`order ${card.order_id}: paid by card ${card.payment_key}, which the PG did not capture`);
  }
  const refunds = await rows<{ payment_key: string; total: string }>(
    "SELECT payment_key, SUM(amount) AS total FROM pg_refund GROUP BY payment_key",
  );
  for (const refund of refunds) {
    const payment = payments.find((candidate) => candidate.paymentKey === refund.payment_key);
    if (payment && Number(refund.total) > payment.totalAmount)
      violations.push(`payment ${refund.payment_key}: ${refund.total} refunded of ${payment.totalAmount} paid`);
  }
  const doubled = await rows<{ payment_key: string; n: number }>(
    "SELECT payment_key, COUNT(*) AS n FROM checkout WHERE payment_key IS NOT NULL GROUP BY payment_key HAVING n > 1",
  );
  for (const row of doubled) violations.push(`paymentKey ${row.payment_key}: ${row.n} checkouts`);
  return violations;
}
