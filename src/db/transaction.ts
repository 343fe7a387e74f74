import type { Db, Tx } from "./client.js";

/**
 * Isolation levels the service asks for explicitly, so no transaction silently depends on the
 * server's default (REPEATABLE READ on both MySQL and MariaDB, but a DBA may change it).
 */
export type IsolationLevel = "read committed" | "repeatable read";

export interface TransactionOptions {
  isolationLevel: IsolationLevel;
}

/** The one way to open a transaction; `work` receives the handle every repository call must use. */
export function runInTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>, options: TransactionOptions): Promise<T> {
  return db.transaction(work, { isolationLevel: options.isolationLevel });
}
