import type { Executor } from "../../db/client.js";
import { isDuplicateKey } from "../../db/errors.js";
import type { Clock } from "../../shared/clock.js";
import { findKey, insertKey, renewExpiredKey, saveKeyResult, type KeyRef } from "./idempotency.repository.js";
import {
  decideOnStoredKey,
  expiryFrom,
  keyReusedForAnotherRequest,
  requestHash,
  validateIdempotencyKey,
  type IdempotencyScope,
} from "./idempotency.rules.js";
import { present } from "../../shared/present.js";

export interface IdempotentCall<TResult> {
  memberId: number;
  scope: IdempotencyScope;
  key: string | null | undefined;
  /** The input that must be the same for a replay (hashed, never stored as is). */
  request: unknown;
  /** The work itself, in the caller's transaction; its result is stored for replays. */
  run: () => Promise<TResult>;
}

/**
 * Runs a money-moving use case at most once per (member, scope, key).
 *
 * The key row is inserted first, inside the use case's transaction. A concurrent request with the same
 * key blocks on that insert (the unique index) until the first transaction ends: after a commit it
 * gets a duplicate-key error and replays the stored result; after a rollback its own insert goes
 * through and it runs the work itself. So racing requests produce one effect, with no lock of ours.
 */
export class IdempotencyService {
  constructor(private readonly clock: Clock) {}

  async once<TResult>(tx: Executor, call: IdempotentCall<TResult>): Promise<TResult> {
    if (call.key == null) return call.run();
    const ref: KeyRef = { memberId: call.memberId, scope: call.scope, key: validateIdempotencyKey(call.key) };
    const hash = requestHash(call.request);
    const now = this.clock.now();

    const claimedId = await this.claim(tx, ref, hash, now);
    if (claimedId === null) {
      // The row exists (the insert said so) and was committed by the request that created it.
      const stored = present(await findKey(tx, ref), "the idempotency key the insert collided with");
      const decision = decideOnStoredKey(stored, hash, now);
      if (decision === "conflict") throw keyReusedForAnotherRequest();
      if (decision === "replay") return stored.result as TResult;
      if (!(await renewExpiredKey(tx, stored.id, hash, now, expiryFrom(now)))) {
        return this.once(tx, call); // another request renewed it first: decide against theirs
      }
      return this.runAndStore(tx, stored.id, call);
    }
    return this.runAndStore(tx, claimedId, call);
  }

  /** Inserts the key row; null when it already exists. */
  private async claim(tx: Executor, ref: KeyRef, hash: string, now: Date): Promise<number | null> {
    try {
      return await insertKey(tx, ref, hash, expiryFrom(now));
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  private async runAndStore<TResult>(tx: Executor, id: number, call: IdempotentCall<TResult>): Promise<TResult> {
    const result = await call.run();
    await saveKeyResult(tx, id, result);
    return result;
  }
}
