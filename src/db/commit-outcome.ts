import { setTimeout as sleep } from "node:timers/promises";
import { lt, sql } from "drizzle-orm";
import type { PoolConnection } from "mysql2/promise";
import { commitOutcomes } from "../observability/metrics.js";
import { DomainError, ErrorCode } from "../shared/errors.js";
import type { Db, Tx } from "./client.js";
import type { WriterPool } from "./cluster/writer-pool.js";
import { MysqlErrno, isConnectionFailure, isDatabaseUnavailable, isDuplicateKey, mysqlErrnoOf } from "./errors.js";
import { commitToken } from "./schema/index.js";

/**
 * The row a batched transaction inserts with its COMMIT (table commit_token, migration 0002). Dated by
 * the database's clock, as is the clean-up below: the rows are the database's own bookkeeping.
 */
export const INSERT_COMMIT_TOKEN = "INSERT INTO commit_token (token, created_at) VALUES (?, CURRENT_TIMESTAMP(3))";

/** The same row, inside a drizzle transaction (runInTransaction with askLostCommit). */
export async function insertCommitToken(tx: Tx, token: string): Promise<void> {
  await tx.insert(commitToken).values({ token, createdAt: sql`CURRENT_TIMESTAMP(3)` });
}

/**
 * Deletes up to `limit` tokens older than a day: a lost COMMIT is asked about within seconds, so a
 * day-old token will never be looked up again.
 */
export async function deleteStaleCommitTokens(db: Db, limit: number): Promise<number> {
  const [result] = await db
    .delete(commitToken)
    .where(lt(commitToken.createdAt, sql`CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY`))
    .limit(limit);
  return result.affectedRows;
}

/**
 * True when a COMMIT batch failed without the server saying why. Such a batch may have committed (the
 * server got it, the answer never came back) or not. A server error (a CHECK refusing a row, a
 * deadlock) is a real answer: the server stops a batch at its first error, so the COMMIT after it
 * never ran. Anything else, even a failure in reading the answer, is asked about rather than guessed:
 * asking is always safe.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return isConnectionFailure(error) || mysqlErrnoOf(error) === undefined;
}

export type CommitOutcome = "committed" | "rolled-back";

/** Tries at finding the outcome before the caller is told it is unknown (the database may be restarting). */
const RESOLVE_ATTEMPTS = 5;
const RESOLVE_BACKOFF_MS = 200;

/** The server session a lost COMMIT was sent on: the connection (which node it was on) and its id. */
export interface LostSession {
  connection: PoolConnection;
  threadId: number;
}

/**
 * Finds out whether the transaction that inserted `token` with its COMMIT committed, on a fresh
 * connection: first it kills the old session, on the node it was on, so a transaction whose batch is
 * still queued or running there is rolled back rather than left to commit later; then it inserts the
 * same token through the writer (after a failover, another node: a committed transaction was
 * replicated there before its COMMIT answered). The primary key decides: a duplicate means the
 * transaction committed (if it was still committing, the insert waits for it); a successful insert
 * means it did not, and now it never can, since its own insert of the token would fail first. Never
 * re-runs the transaction's work.
 *
 * Throws a SERVICE_UNAVAILABLE DomainError with `outcomeUnknown` when the database cannot be asked.
 */
export async function resolveCommitOutcome(
  pool: WriterPool,
  token: string,
  session: LostSession | null,
  unit: string,
): Promise<CommitOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const outcome = await askOnce(pool, token, session);
      commitOutcomes.inc({ unit, outcome });
      return outcome;
    } catch (error) {
      if (attempt >= RESOLVE_ATTEMPTS || !canAskAgain(error)) {
        commitOutcomes.inc({ unit, outcome: "unknown" });
        throw outcomeUnknown();
      }
      await sleep(RESOLVE_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

/**
 * The database could not be asked this time, but may be asked again: it is unreachable, or no node
 * may write yet (a failover), or the token's insert lost a race (1213: on Galera, with the old
 * transaction's write set still being applied on the new writer; asked again, it is a duplicate).
 */
const canAskAgain = (error: unknown): boolean =>
  isConnectionFailure(error) || isDatabaseUnavailable(error) || mysqlErrnoOf(error) === MysqlErrno.DEADLOCK;

async function askOnce(pool: WriterPool, token: string, session: LostSession | null): Promise<CommitOutcome> {
  // Without the session (a drizzle transaction), the insert below waits for the old session's lock
  // on its token, held until the server has ended that session.
  if (session !== null) await pool.killSession(session.connection, session.threadId);
  const connection = await pool.getConnection();
  try {
    await connection.query(INSERT_COMMIT_TOKEN, [token]);
    return "rolled-back";
  } catch (error) {
    if (isDuplicateKey(error)) return "committed";
    throw error;
  } finally {
    connection.release();
  }
}

/**
 * Ends the server session of a connection that failed mid-transaction, best effort: the server rolls
 * it back and releases its row locks now, rather than when it notices the lost connection (never, for
 * a half-open one, until wait_timeout) while other orders queue on its rows.
 */
export async function killSession(pool: WriterPool, session: LostSession): Promise<void> {
  try {
    await pool.killSession(session.connection, session.threadId);
  } catch {
    // The database is unreachable: the session ends when the server notices its connection is gone.
  }
}

const outcomeUnknown = (): DomainError =>
  new DomainError(
    ErrorCode.SERVICE_UNAVAILABLE,
    "the database stopped answering while this change was being committed, and whether it was applied cannot be told yet: check before trying again (a retry with the same idempotencyKey is always safe)",
    { retryable: true, outcomeUnknown: true },
  );
