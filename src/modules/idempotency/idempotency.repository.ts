import { and, eq, lte } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { idempotencyKey } from "../../db/schema/index.js";
import type { IdempotencyScope } from "./idempotency.rules.js";
import { present } from "../../shared/present.js";

export interface KeyRef {
  memberId: number;
  scope: IdempotencyScope;
  key: string;
}

export type StoredKeyRow = typeof idempotencyKey.$inferSelect;

export async function insertKey(tx: Executor, ref: KeyRef, requestHash: string, expiresAt: Date): Promise<number> {
  const [row] = await tx
    .insert(idempotencyKey)
    .values({ ...ref, requestHash, expiresAt })
    .$returningId();
  return present(row, "the inserted idempotency key").id;
}

/** A plain read: under READ COMMITTED it sees the row the winning transaction committed. */
export async function findKey(executor: Executor, ref: KeyRef): Promise<StoredKeyRow | undefined> {
  const rows = await executor
    .select()
    .from(idempotencyKey)
    .where(
      and(
        eq(idempotencyKey.memberId, ref.memberId),
        eq(idempotencyKey.scope, ref.scope),
        eq(idempotencyKey.key, ref.key),
      ),
    );
  return rows[0];
}

/** Takes over an expired key; false when another request took it over first. */
export async function renewExpiredKey(
  tx: Executor,
  id: number,
  requestHash: string,
  now: Date,
  expiresAt: Date,
): Promise<boolean> {
  const [result] = await tx
    .update(idempotencyKey)
    .set({ requestHash, expiresAt, result: null, createdAt: now })
    .where(and(eq(idempotencyKey.id, id), lte(idempotencyKey.expiresAt, now)));
  return result.affectedRows === 1;
}

export async function saveKeyResult(tx: Executor, id: number, result: unknown): Promise<void> {
  await tx.update(idempotencyKey).set({ result }).where(eq(idempotencyKey.id, id));
}

/** Forgets keys past their expiry, a batch at a time (the expires_at index finds them). */
export async function deleteExpiredKeys(executor: Executor, now: Date, limit: number): Promise<number> {
  const [result] = await executor.delete(idempotencyKey).where(lte(idempotencyKey.expiresAt, now)).limit(limit);
  return result.affectedRows;
}
