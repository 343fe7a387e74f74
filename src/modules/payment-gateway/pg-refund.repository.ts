import { and, asc, count, eq, isNotNull, lte, min, sql, sum } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { pgRefund } from "../../db/schema/index.js";

export type PgRefundRow = typeof pgRefund.$inferSelect;
export type NewPgRefund = Pick<
  typeof pgRefund.$inferInsert,
  "paymentKey" | "amount" | "cause" | "reason" | "checkoutId" | "orderItemId"
>;

/** Written in the transaction that decides the refund: it exists exactly when that decision does. */
export async function insertRefunds(tx: Tx, refunds: readonly NewPgRefund[], at: Date): Promise<void> {
  if (refunds.length === 0) return;
  await tx.insert(pgRefund).values(refunds.map((refund) => ({ ...refund, createdAt: at, nextAttemptAt: at })));
}

/** The payment's refunds still owed, oldest first: they are sent in that order, one at a time. */
export function listPendingOfPayment(executor: Executor, paymentKey: string): Promise<PgRefundRow[]> {
  return executor
    .select()
    .from(pgRefund)
    .where(and(eq(pgRefund.paymentKey, paymentKey), eq(pgRefund.status, "PENDING")))
    .orderBy(asc(pgRefund.id));
}

/** What the PG has confirmed giving back of the payment so far, by the shop's own records. */
export async function confirmedTotalOfPayment(executor: Executor, paymentKey: string): Promise<number> {
  const [row] = await executor
    .select({ total: sum(pgRefund.amount) })
    .from(pgRefund)
    .where(and(eq(pgRefund.paymentKey, paymentKey), eq(pgRefund.status, "DONE")));
  return Number(row?.total ?? 0);
}

export async function markRefundDone(executor: Executor, id: number, at: Date): Promise<void> {
  await executor
    .update(pgRefund)
    .set({ status: "DONE", doneAt: at, nextAttemptAt: null, lastError: null })
    .where(and(eq(pgRefund.id, id), eq(pgRefund.status, "PENDING")));
}

/** One more failed attempt: why, and when the next is due. */
export async function markRefundRetry(
  executor: Executor,
  id: number,
  error: string,
  nextAttemptAt: Date,
): Promise<void> {
  await executor
    .update(pgRefund)
    .set({ attempts: sql`${pgRefund.attempts} + 1`, lastError: error.slice(0, 255), nextAttemptAt })
    .where(and(eq(pgRefund.id, id), eq(pgRefund.status, "PENDING")));
}

/** Payments with a refund due now (pg_refund_next_attempt_at_idx), each once. */
export async function listPaymentsWithDueRefunds(executor: Executor, now: Date, limit: number): Promise<string[]> {
  const rows = await executor
    .selectDistinct({ paymentKey: pgRefund.paymentKey })
    .from(pgRefund)
    .where(and(isNotNull(pgRefund.nextAttemptAt), lte(pgRefund.nextAttemptAt, now)))
    .limit(limit);
  return rows.map((row) => row.paymentKey);
}

/** Refunds still owed at the PG: how many, and since when the oldest (for /metrics). */
export async function pendingRefunds(executor: Executor): Promise<{ count: number; oldest: Date | null }> {
  const [row] = await executor
    .select({ count: count(), oldest: min(pgRefund.createdAt) })
    .from(pgRefund)
    .where(eq(pgRefund.status, "PENDING"));
  return { count: row?.count ?? 0, oldest: row?.oldest ?? null };
}
