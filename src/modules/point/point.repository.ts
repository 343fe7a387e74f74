import { and, count, desc, eq, lt } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { pointLedger, pointWallet } from "../../db/schema/index.js";
import type { PageRequest } from "../../shared/pagination.js";
import type { PointTransactionType } from "./point.rules.js";

export type LedgerRow = typeof pointLedger.$inferSelect;

/** The wallet row exists from sign-up on, so every balance change has a row to lock. */
export async function insertWallet(tx: Executor, memberId: number): Promise<void> {
  await tx.insert(pointWallet).values({ memberId, balance: 0 });
}

/** Locks the member's wallet row until the transaction ends and returns the balance it holds. */
export async function lockWallet(tx: Tx, memberId: number): Promise<number> {
  const rows = await tx
    .select({ balance: pointWallet.balance })
    .from(pointWallet)
    .where(eq(pointWallet.memberId, memberId))
    .for("update");
  if (!rows[0]) throw new Error(`member ${memberId} has no wallet`);
  return rows[0].balance;
}

export async function readBalance(executor: Executor, memberId: number): Promise<number> {
  const rows = await executor
    .select({ balance: pointWallet.balance })
    .from(pointWallet)
    .where(eq(pointWallet.memberId, memberId));
  return rows[0]?.balance ?? 0;
}

export async function setBalance(tx: Tx, memberId: number, balance: number): Promise<void> {
  await tx.update(pointWallet).set({ balance }).where(eq(pointWallet.memberId, memberId));
}

export interface NewLedgerEntry {
  memberId: number;
  type: PointTransactionType;
  amount: number;
  balanceAfter: number;
  orderId?: number | null;
  orderItemId?: number | null;
  /** The checkout whose points this entry holds (USE) or gives back (REFUND). */
  checkoutId?: number | null;
  /** The service's clock, like every date the service writes (the column's default is the server's). */
  createdAt: Date;
}

export async function insertLedgerEntries(tx: Tx, entries: NewLedgerEntry[]): Promise<void> {
  if (entries.length > 0) await tx.insert(pointLedger).values(entries);
}

/** A checkout became an order: its held points (the USE entry) now name that order. */
export async function setOrderOfCheckoutEntries(tx: Tx, checkoutId: number, orderId: number): Promise<void> {
  await tx
    .update(pointLedger)
    .set({ orderId })
    .where(and(eq(pointLedger.checkoutId, checkoutId), eq(pointLedger.type, "USE")));
}

/** Newest first; one row more than asked, to tell whether another page follows. */
export function listLedger(executor: Executor, memberId: number, page: PageRequest): Promise<LedgerRow[]> {
  return executor
    .select()
    .from(pointLedger)
    .where(
      and(eq(pointLedger.memberId, memberId), page.beforeId === null ? undefined : lt(pointLedger.id, page.beforeId)),
    )
    .orderBy(desc(pointLedger.id))
    .limit(page.first + 1);
}

export async function countLedger(executor: Executor, memberId: number): Promise<number> {
  const [row] = await executor.select({ total: count() }).from(pointLedger).where(eq(pointLedger.memberId, memberId));
  return row?.total ?? 0;
}
