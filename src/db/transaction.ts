import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { WriterPool } from "./cluster/writer-pool.js";
import { lockRetries } from "../observability/metrics.js";
import { DomainError, ErrorCode } from "../shared/errors.js";
import type { Db, Tx } from "./client.js";
import { insertCommitToken, isOutcomeUnknown, resolveCommitOutcome } from "./commit-outcome.js";
import { MysqlErrno, mysqlErrnoOf } from "./errors.js";
import { DEFAULT_RETRY_POLICY, retryDelayMs, shouldRetry, type RetryPolicy } from "./retry-policy.js";

// Services name the handles they pass to repositories by these, so that only repositories (and this
// layer) import the database client and the driver.
export type { Db, Executor, Tx } from "./client.js";
export type { WriterPool as Pool } from "./cluster/writer-pool.js";

/**
 * Isolation levels the service asks for explicitly, so no transaction silently depends on the
 * server's default (REPEATABLE READ on both MySQL and MariaDB, but a DBA may change it).
 */
export type IsolationLevel = "read committed" | "repeatable read";

export interface TransactionOptions {
  isolationLevel: IsolationLevel;
  retry?: RetryPolicy;
  /** Batched transactions: longest wait for one batch's answer (see BatchedTransaction). */
  batchTimeoutMs?: number;
  /**
   * For units that move money (a charge, a refund): the transaction writes a commit token as its first
   * statement, so a COMMIT whose answer is lost is asked about (commit-outcome.ts) and answered
   * truthfully, rather than reported as a failure its caller might retry into a second charge.
   */
  askLostCommit?: { pool: WriterPool; unit: string };
  /** Called before each retry, e.g. to count lock retries in metrics. */
  onRetry?: (attempt: number, errno: number) => void;
}

const isLockConflict = (errno: number | undefined): errno is number =>
  errno === MysqlErrno.DEADLOCK || errno === MysqlErrno.LOCK_WAIT_TIMEOUT;

/**
 * Opens a transaction: the default of the two ways (README, "Two ways to open a transaction"). `work`
 * receives the handle every repository call inside it must use; statements go one per round trip,
 * through drizzle. The other way, runBatchedTransaction (batched-transaction.ts), sends hand-written
 * statements in batches and keeps some for the COMMIT batch; it exists for the hot paths (placeOrder,
 * groups of charges), where a round trip made while a hot row is locked is time every other request
 * for that row waits.
 *
 * A deadlock or a lock-wait timeout rolls the whole transaction back, so the whole unit of work is
 * run again (not just the failed statement), a bounded number of times with jittered backoff. `work`
 * must therefore have no effects outside the transaction. When every attempt lost, the caller gets
 * a clear, retryable error instead of a driver error.
 */
export function runInTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, options: TransactionOptions): Promise<T> {
  const ask = options.askLostCommit;
  if (!ask) return retryOnLockConflict(() => db.transaction(work, { isolationLevel: options.isolationLevel }), options);
  return retryOnLockConflict(async () => {
    const token = randomUUID();
    // Set once the work and the token are in: from then on only COMMIT can fail.
    const finished: { result?: T; done: boolean } = { done: false };
    try {
      return await db.transaction(
        async (tx) => {
          // First, before the work locks its rows: where in the transaction the token goes does not
          // matter to the outcome, but a statement sent while a hot row (a wallet) is locked adds a
          // round trip to the time every other change of that row waits.
          await insertCommitToken(tx, token);
          const result = await work(tx);
          finished.result = result;
          finished.done = true;
          return result;
        },
        { isolationLevel: options.isolationLevel },
      );
    } catch (error) {
      // Only COMMIT (or the ROLLBACK drizzle sends after it) runs once the work is done.
      if (!finished.done || !isOutcomeUnknown(error)) throw error;
      if ((await resolveCommitOutcome(ask.pool, token, null, ask.unit)) === "rolled-back") throw error;
      return finished.result as T;
    }
  }, options);
}

/** Runs `attempt` (one whole transaction) again on a deadlock or lock-wait timeout, as described above. */
export async function retryOnLockConflict<T>(
  attempt: () => Promise<T>,
  options: Pick<TransactionOptions, "retry" | "onRetry">,
): Promise<T> {
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      const errno = mysqlErrnoOf(error);
      if (!isLockConflict(errno)) throw error;
      if (!shouldRetry(policy, tries, true)) throw busy();
      lockRetries.inc({ errno: String(errno) });
      options.onRetry?.(tries, errno);
      await sleep(retryDelayMs(policy, tries, Math.random()));
    }
  }
}

const busy = (): DomainError =>
  new DomainError(ErrorCode.CONFLICT, "too many concurrent changes to the same rows: nothing was changed, try again", {
    retryable: true,
  });
