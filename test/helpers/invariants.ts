import type { Pool, RowDataPacket } from "mysql2/promise";

/** What these checks need of a pool: the service's own (WriterPool) or a test's mysql2 pool. */
type SqlReader = Pick<Pool, "query" | "escapeId">;

/**
 * The money and stock invariants of the whole database, checked with plain SQL independent of the
 * service's code. Returns one line per violation; an empty list means everything holds.
 *
 * - Every wallet equals CHARGE - USE + REFUND of its ledger; each entry's balanceAfter is the running
 *   balance in entry order; no balance is ever negative.
 * - Every order's total is the sum of its lines (each unitPrice x quantity), its refunded amount the
 *   sum of its cancelled lines, its payment mirrors both, its status follows its lines.
 * - With a baseline (see stockBaseline): for every option, stock + units in PAID lines is unchanged,
 *   i.e. initial stock = stock + sold - cancelled.
 */
/** A number column as mysql2 hands it over: SUM() and BIGINT arrive as strings, so each is read with Number(). */
type DbNumber = number | string;

export async function checkInvariants(pool: SqlReader, stockBaselineBefore?: Map<number, number>): Promise<string[]> {
  const violations: string[] = [];
  const rows = async <T>(sql: string): Promise<T[]> => (await pool.query<RowDataPacket[]>(sql))[0] as T[];

  const wallets = await rows<{ member_id: number; balance: DbNumber }>("SELECT member_id, balance FROM point_wallet");
  const ledger = await rows<{ member_id: number; type: string; amount: DbNumber; balance_after: DbNumber; id: number }>(
    "SELECT id, member_id, type, amount, balance_after FROM point_ledger ORDER BY member_id, id",
  );
  const running = new Map<number, number>();
  for (const entry of ledger) {
    const sign = entry.type === "USE" ? -1 : 1;
    const balance = (running.get(entry.member_id) ?? 0) + sign * Number(entry.amount);
    running.set(entry.member_id, balance);
    if (balance < 0)
      violations.push(`member ${entry.member_id}: ledger entry ${entry.id} takes the balance to ${balance}`);
    if (Number(entry.balance_after) !== balance) {
      violations.push(
        `member ${entry.member_id}: ledger entry ${entry.id} says balanceAfter ${entry.balance_after}, running sum is ${balance}`,
      );
    }
  }
  for (const wallet of wallets) {
    const expected = running.get(wallet.member_id) ?? 0;
    if (Number(wallet.balance) !== expected)
      violations.push(`member ${wallet.member_id}: wallet ${wallet.balance} != ledger sum ${expected}`);
  }

  const orders = await rows<{
    id: number;
    status: string;
    total_amount: DbNumber;
    refunded_amount: DbNumber;
    p_amount: DbNumber | null;
    p_refunded: DbNumber | null;
    line_count: DbNumber;
    paid_lines: DbNumber;
    line_total: DbNumber;
    cancelled_total: DbNumber;
    bad_amounts: DbNumber;
  }>(`
    SELECT o.id, o.status, o.total_amount, o.refunded_amount,
           (SELECT SUM(p.amount) FROM payment p WHERE p.order_id = o.id) AS p_amount,
           (SELECT SUM(p.refunded_amount) FROM payment p WHERE p.order_id = o.id) AS p_refunded,
           COUNT(i.id) AS line_count, SUM(i.status = 'PAID') AS paid_lines,
           COALESCE(SUM(i.amount), 0) AS line_total,
           COALESCE(SUM(CASE WHEN i.status = 'CANCELLED' THEN i.amount ELSE 0 END), 0) AS cancelled_total,
           SUM(i.amount <> i.unit_price * i.quantity) AS bad_amounts
    FROM orders o LEFT JOIN order_item i ON i.order_id = o.id
    GROUP BY o.id`);
  for (const order of orders) {
    const where = `order ${order.id}`;
    if (Number(order.line_count) === 0) violations.push(`${where}: has no lines`);
    if (Number(order.bad_amounts) > 0) violations.push(`${where}: a line's amount is not unitPrice x quantity`);
    if (Number(order.total_amount) !== Number(order.line_total))
      violations.push(`${where}: total ${order.total_amount} != lines ${order.line_total}`);
    if (Number(order.refunded_amount) !== Number(order.cancelled_total))
      violations.push(`${where}: refunded ${order.refunded_amount} != cancelled lines ${order.cancelled_total}`);
    if (
      Number(order.p_amount) !== Number(order.total_amount) ||
      Number(order.p_refunded) !== Number(order.refunded_amount)
    ) {
      violations.push(
        `${where}: payments (${order.p_amount}, refunded ${order.p_refunded}) do not add up to the order`,
      );
    }
    const paid = Number(order.paid_lines);
    const expected = paid === Number(order.line_count) ? "PAID" : paid === 0 ? "CANCELLED" : "PARTIALLY_CANCELLED";
    if (order.status !== expected) violations.push(`${where}: status ${order.status}, its lines say ${expected}`);
  }

  if (stockBaselineBefore) {
    const now = await stockBaseline(pool);
    for (const [optionId, before] of stockBaselineBefore) {
      const after = now.get(optionId);
      if (after !== before) violations.push(`option ${optionId}: stock + sold was ${before}, now ${after}`);
    }
  }
  return violations;
}

/**
 * For every option: stock + units held by checkouts (PENDING or CONFIRMING) + units in PAID order
 * lines. Orders, checkouts and cancellations never change it.
 */
export async function stockBaseline(pool: SqlReader): Promise<Map<number, number>> {
  const [rows] = await pool.query<RowDataPacket[]>(`
    SELECT s.option_id, s.quantity
      + COALESCE((SELECT SUM(i.quantity) FROM order_item i WHERE i.option_id = s.option_id AND i.status = 'PAID'), 0)
      + COALESCE((SELECT SUM(c.quantity) FROM checkout_item c JOIN checkout k ON k.id = c.checkout_id
                  WHERE c.option_id = s.option_id AND k.status IN ('PENDING', 'CONFIRMING')), 0) AS total
    FROM stock s`);
  return new Map(rows.map((row) => [Number(row.option_id), Number(row.total)]));
}
