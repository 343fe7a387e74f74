import { and, asc, eq, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { checkout, checkoutItem } from "../../db/schema/index.js";
import type { CheckoutStatus } from "./checkout.rules.js";

export type CheckoutRow = typeof checkout.$inferSelect;
export type CheckoutItemRow = typeof checkoutItem.$inferSelect;
export type NewCheckout = typeof checkout.$inferInsert;
export type NewCheckoutItem = Omit<typeof checkoutItem.$inferInsert, "id" | "checkoutId">;

export async function insertCheckout(tx: Tx, values: NewCheckout, items: readonly NewCheckoutItem[]): Promise<number> {
  const [result] = await tx.insert(checkout).values(values);
  const id = result.insertId;
  await tx.insert(checkoutItem).values(items.map((item) => ({ ...item, checkoutId: id })));
  return id;
}

/** The checkout, locked for the rest of the transaction: every change of its status starts here. */
export async function lockCheckout(tx: Tx, id: number): Promise<CheckoutRow | undefined> {
  const rows = await tx.select().from(checkout).where(eq(checkout.id, id)).for("update");
  return rows[0];
}

export async function findCheckout(executor: Executor, id: number): Promise<CheckoutRow | undefined> {
  const rows = await executor.select().from(checkout).where(eq(checkout.id, id));
  return rows[0];
}

export async function findCheckoutByPgOrderId(executor: Executor, pgOrderId: string): Promise<CheckoutRow | undefined> {
  const rows = await executor.select().from(checkout).where(eq(checkout.pgOrderId, pgOrderId));
  return rows[0];
}

export function listCheckoutItems(executor: Executor, checkoutId: number): Promise<CheckoutItemRow[]> {
  return executor
    .select()
    .from(checkoutItem)
    .where(eq(checkoutItem.checkoutId, checkoutId))
    .orderBy(asc(checkoutItem.id));
}

/**
 * Moves a locked checkout from `from` to another status, with the columns that go with it. The
 * status in the WHERE makes it a compare-and-set: it must change exactly one row, or the row was not
 * what the caller locked and read, a bug this refuses to paper over.
 */
export async function moveCheckout(
  tx: Tx,
  id: number,
  from: CheckoutStatus,
  set: Partial<Omit<NewCheckout, "id" | "memberId">> & { status: CheckoutStatus },
): Promise<void> {
  const [result] = await tx
    .update(checkout)
    .set(set)
    .where(and(eq(checkout.id, id), eq(checkout.status, from)));
  if (result.affectedRows !== 1) {
    throw new Error(`checkout ${id} was not ${from} when moved to ${set.status} (${result.affectedRows} rows changed)`);
  }
}

/** When the PG is next asked about the checkout (null: not again), and how many times it was asked. */
export async function setReconcile(tx: Tx, id: number, at: Date | null, attempts: number): Promise<void> {
  await tx.update(checkout).set({ reconcileAt: at, reconcileAttempts: attempts }).where(eq(checkout.id, id));
}

/**
 * A webhook named the checkout: the sweep asks the PG about it by `at` (sooner if already due), in a
 * status where the PG's answer can still change its fate. Returns the checkout's id, or undefined
 * when there is nothing to ask about.
 */
export async function requestReconcile(executor: Executor, pgOrderId: string, at: Date): Promise<number | undefined> {
  const [found] = await executor
    .select({ id: checkout.id })
    .from(checkout)
    .where(and(eq(checkout.pgOrderId, pgOrderId), inArray(checkout.status, ["CONFIRMING", "FAILED", "EXPIRED"])));
  if (!found) return undefined;
  await executor
    .update(checkout)
    .set({ reconcileAt: sql`LEAST(COALESCE(${checkout.reconcileAt}, ${at}), ${at})` })
    .where(eq(checkout.id, found.id));
  return found.id;
}

/** Pending checkouts whose reservation has reached its end (checkout_status_expires_at_idx). */
export async function listLapsed(executor: Executor, now: Date, limit: number): Promise<number[]> {
  const rows = await executor
    .select({ id: checkout.id })
    .from(checkout)
    .where(and(eq(checkout.status, "PENDING"), lte(checkout.expiresAt, now)))
    .orderBy(asc(checkout.expiresAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Confirms whose outcome is due to be asked about (checkout_reconcile_at_idx). */
export async function listDueForReconcile(executor: Executor, now: Date, limit: number): Promise<number[]> {
  const rows = await executor
    .select({ id: checkout.id })
    .from(checkout)
    .where(and(isNotNull(checkout.reconcileAt), lte(checkout.reconcileAt, now)))
    .orderBy(asc(checkout.reconcileAt))
    .limit(limit);
  return rows.map((row) => row.id);
}
