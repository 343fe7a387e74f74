import { randomUUID } from "node:crypto";
import type { PoolConnection } from "mysql2/promise";
import { drizzle } from "drizzle-orm/mysql2";
import { commitBatchLockHeld, dbStatements } from "../observability/metrics.js";
import type { ConnectionTx } from "./client.js";
import type { WriterPool } from "./cluster/writer-pool.js";
import { INSERT_COMMIT_TOKEN, isOutcomeUnknown, killSession, resolveCommitOutcome } from "./commit-outcome.js";
import { isConnectionFailure } from "./errors.js";
import * as schema from "./schema/index.js";
import { retryOnLockConflict, type IsolationLevel, type TransactionOptions } from "./transaction.js";
import { present } from "../shared/present.js";

/** One SQL statement with `?` placeholders, bound by the driver (never by string building). */
export interface Statement {
  sql: string;
  params: readonly unknown[];
}

/** What the driver returns for one statement: rows for a SELECT, a header for a write. */
export type StatementResult = unknown;

/** The rows a SELECT answered, for whoever wrote it and knows their columns. */
export const rowsOf = (result: StatementResult): ReadonlyArray<Record<string, unknown>> =>
  result as ReadonlyArray<Record<string, unknown>>;

const isolationSql: Record<IsolationLevel, string> = {
  "read committed": "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
  "repeatable read": "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
};

/**
 * Longest wait for one batch's answer unless the caller sets one (DB_BATCH_TIMEOUT_MS). Past it the
 * connection is given up (and its server session killed): a half-open connection must not hold a
 * group of orders, and the rows it locked, forever. Above the session's lock wait timeout
 * (src/db/client.ts), so a lock wait ends as a lock-wait error (retried) before it ends as a lost
 * connection.
 */
const DEFAULT_BATCH_TIMEOUT_MS = 20_000;

/**
 * What a refusal of the statements kept for COMMIT means to the work that kept them. Given the
 * server's error, it returns the error the caller gets instead (e.g. "the stock of these lines was
 * taken since it was read", which only the work can name), or undefined to pass the server's on. The
 * work's own result is lost with the COMMIT, so this is how it says what failed.
 */
export type CommitRefusal = (error: unknown) => Error | undefined;

/**
 * A transaction that sends its statements in batches, one network round trip per batch, on a
 * connection of its own. It exists for the order hot path: every round trip a transaction makes while
 * it holds a row lock adds to the time every other buyer of that row waits, and on a flash sale the
 * stock row is held by somebody all the time. Here the transaction's opening travels with its first
 * batch, and the statements that touch the hot rows travel with COMMIT, so those rows stay locked only
 * while the server runs them, never across a round trip to Node and back.
 *
 * Statements are joined into one multi-statement query: the server runs them in order and stops at
 * the first error, so nothing after a failing statement (COMMIT included) runs. Every value is a bound
 * parameter, escaped by mysql2, so joining statements adds no way to inject one.
 *
 * This is what the work given to runBatchedTransaction sees; committing and rolling back are the
 * runner's alone.
 */
export interface BatchedTransaction {
  /** Sends the statements now, in one round trip; returns one result per statement. */
  send(statements: readonly Statement[]): Promise<StatementResult[]>;
  /**
   * Keeps the statements to send with COMMIT, in one round trip, once the work is done. Put here what
   * locks rows other transactions queue for; if one of them fails, the transaction rolls back and its
   * error reaches the caller, as `refused` reads it when given.
   */
  sendAtCommit(statements: readonly Statement[], refused?: CommitRefusal): void;
  /**
   * Drizzle on this transaction's connection, for the statements of other modules (idempotency keys,
   * carts) that are sent one by one. Opens the transaction first if nothing has been sent yet, so the
   * handle is a `Tx`: what a repository function that locks rows asks for.
   */
  drizzle(): Promise<ConnectionTx>;
  /**
   * The work decided to write nothing (every order of a group refused): the runner ends the
   * transaction with a ROLLBACK, and no commit token is written for it.
   */
  endWithoutWriting(): void;
}

/** The runner's side of a BatchedTransaction: the work's view, plus the commit and rollback only the runner calls. */
class ConnectionBatches implements BatchedTransaction {
  private started = false;
  private atCommit: Statement[] = [];
  private refusals: CommitRefusal[] = [];
  private boundDrizzle: ConnectionTx | null = null;
  /** Inserted with COMMIT, so the outcome of a COMMIT whose answer is lost can be asked (commit-outcome.ts). */
  readonly commitToken = randomUUID();
  private writesNothing = false;

  constructor(
    private readonly connection: PoolConnection,
    private readonly isolationLevel: IsolationLevel,
    /** Names the unit of work in metrics, e.g. "place_order". */
    private readonly unit: string,
    private readonly timeoutMs = DEFAULT_BATCH_TIMEOUT_MS,
  ) {}

  /** Sends the statements now, in one round trip; returns one result per statement. */
  async send(statements: readonly Statement[]): Promise<StatementResult[]> {
    const opening = this.started
      ? []
      : [
          { sql: isolationSql[this.isolationLevel], params: [] },
          { sql: "START TRANSACTION", params: [] },
        ];
    this.started = true;
    const results = await this.query([...opening, ...statements]);
    return results.slice(opening.length);
  }

  sendAtCommit(statements: readonly Statement[], refused?: CommitRefusal): void {
    this.atCommit.push(...statements);
    if (refused) this.refusals.push(refused);
  }

  /** The error a refused COMMIT batch reaches the caller as (see CommitRefusal). */
  refusal(error: unknown): unknown {
    for (const read of this.refusals) {
      const meaning = read(error);
      if (meaning) return meaning;
    }
    return error;
  }

  async drizzle(): Promise<ConnectionTx> {
    if (!this.started) await this.send([]);
    this.boundDrizzle ??= drizzle({ client: this.connection, schema, mode: "default" });
    return this.boundDrizzle;
  }

  endWithoutWriting(): void {
    this.writesNothing = true;
  }

  /** Sends the commit token, what waited for the commit, and COMMIT. */
  async commit(): Promise<void> {
    if (!this.started && this.atCommit.length === 0) return;
    if (this.writesNothing && this.atCommit.length === 0) {
      await this.rollback();
      return;
    }
    const token = { sql: INSERT_COMMIT_TOKEN, params: [this.commitToken] };
    if (this.atCommit.length === 0) {
      await this.send([token, { sql: "COMMIT", params: [] }]);
      return;
    }
    // The server times how long the rows locked by the kept statements stay locked: from the end of
    // the last of them (every lock taken) to the end of COMMIT (every lock released). Two trivial
    // statements, and the figure an operator needs when a flash sale queues on a row. The token goes
    // first, before any hot row is locked.
    const results = await this.send([
      token,
      ...this.atCommit,
      { sql: "SET @commit_batch_locked_at = NOW(6)", params: [] },
      { sql: "COMMIT", params: [] },
      { sql: "SELECT TIMESTAMPDIFF(MICROSECOND, @commit_batch_locked_at, NOW(6)) AS held", params: [] },
    ]);
    const [timing] = results.at(-1) as Array<{ held: number | string }>;
    commitBatchLockHeld.observe({ unit: this.unit }, Number(present(timing, "the commit batch's timing").held) / 1e6);
  }

  async rollback(): Promise<void> {
    if (this.started) await this.connection.query("ROLLBACK");
  }

  private async query(statements: readonly Statement[]): Promise<StatementResult[]> {
    if (statements.length === 0) return [];
    dbStatements.inc(statements.length);
    const [results] = await this.connection.query({
      sql: statements.map((statement) => statement.sql).join(";\n"),
      values: statements.flatMap((statement) => statement.params),
      timeout: this.timeoutMs,
    });
    // A single statement answers with its result, several with an array of results.
    return statements.length === 1 ? [results] : (results as StatementResult[]);
  }
}

/**
 * Opens a transaction the second of the two ways (README, "Two ways to open a transaction"): runs
 * `work` in a BatchedTransaction on a pooled connection, commits with whatever `sendAtCommit` kept,
 * and retries the whole unit of work on a deadlock or lock-wait timeout, like runInTransaction. Use
 * runInTransaction unless the round trips made while a hot row is locked are the throughput, as
 * they are for placeOrder on a flash sale: this one costs hand-written statements and results read
 * by position. A refused COMMIT batch reaches the caller as the kept statements' CommitRefusal reads it.
 *
 * When the COMMIT batch gets no answer (the connection was cut or timed out after sending it), the
 * outcome is asked, never guessed (resolveCommitOutcome): if the transaction committed, `work`'s
 * result is returned as if the answer had come; if it did not, the connection error is thrown (nothing
 * was changed); if the database cannot tell, a SERVICE_UNAVAILABLE error with `outcomeUnknown`. The
 * work is never run again after a lost COMMIT.
 */
export async function runBatchedTransaction<T>(
  pool: WriterPool,
  unit: string,
  work: (tx: BatchedTransaction) => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  return retryOnLockConflict(async () => {
    const connection = await pool.getConnection();
    const tx = new ConnectionBatches(connection, options.isolationLevel, unit, options.batchTimeoutMs);
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      pool.reportFailure(connection, error);
      await abandon(pool, tx, connection, isConnectionFailure(error));
      throw error;
    }
    try {
      await tx.commit();
    } catch (error) {
      if (!isOutcomeUnknown(error)) {
        // The server refused a statement of the batch, so the COMMIT after it never ran.
        await abandon(pool, tx, connection, false);
        throw tx.refusal(error);
      }
      pool.reportFailure(connection, error);
      connection.destroy();
      const session = { connection, threadId: connection.threadId };
      if ((await resolveCommitOutcome(pool, tx.commitToken, session, unit)) === "rolled-back") throw error;
    }
    connection.release();
    return result;
  }, options);
}

/**
 * Ends a transaction that will not commit: a ROLLBACK on a healthy connection; on a failed one the
 * connection is dropped and its server session killed, which rolls it back and frees its locks now.
 */
async function abandon(
  pool: WriterPool,
  tx: ConnectionBatches,
  connection: PoolConnection,
  connectionFailed: boolean,
): Promise<void> {
  if (!connectionFailed) {
    try {
      await tx.rollback();
      connection.release();
      return;
    } catch {
      // The connection died meanwhile: as below.
    }
  }
  connection.destroy();
  await killSession(pool, { connection, threadId: connection.threadId });
}
