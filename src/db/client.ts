import mysql, { type PoolConnection } from "mysql2/promise";
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import type { Logger as DrizzleLogger } from "drizzle-orm/logger";
import { dbStatements } from "../observability/metrics.js";
import { WriterPool, type WriterPoolOptions } from "./cluster/writer-pool.js";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;
/** The pool: reads that need no lock, and where a transaction is opened. */
export type Db = MySql2Database<Schema>;
/** Drizzle's own transaction handle, what runInTransaction (src/db/transaction.ts) hands its work. */
type DrizzleTx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/**
 * Drizzle on the one connection of a batched transaction, handed out only once that transaction is
 * open (BatchedTransaction.drizzle() in src/db/batched-transaction.ts): the statements of other
 * modules (carts, idempotency keys) it sends one by one.
 */
export type ConnectionTx = MySql2Database<Schema> & { $client: PoolConnection };
/**
 * What a statement inside an open transaction runs on, whichever of the two runners opened it. The
 * pool (`Db`) is not one, so a repository function that takes `Tx`, as every SELECT ... FOR UPDATE
 * does, proves by its signature that its locks belong to a transaction and last until it ends.
 */
export type Tx = DrizzleTx | ConnectionTx;
/** What a repository runs its statements on: the pool, or the transaction it was handed. */
export type Executor = Db | Tx;

/**
 * Counts statements sent through drizzle: tests read `count` to prove DataLoaders keep queries
 * constant; db_statements_total on /metrics shows the same outside the process (the bench).
 */
export class StatementCounter implements DrizzleLogger {
  count = 0;
  logQuery(): void {
    this.count += 1;
    dbStatements.inc();
  }
}

/** How long a statement waits for a row lock before failing with 1205 (see createDatabase). */
const LOCK_WAIT_TIMEOUT_SECONDS = 10;

export interface Database {
  db: Db;
  /** The pool of the node that takes the writes (the one server, without DATABASE_URLS). */
  pool: WriterPool;
  statements: StatementCounter;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** The one server (DATABASE_URL), or the nodes of a cluster in order of preference (DATABASE_URLS). */
  urls: readonly string[];
  /** DATABASE_URLS was set: probe the nodes and follow the writer (src/db/cluster/writer-pool.ts). */
  cluster?: boolean;
  poolSize: number;
  onWriterChange?: WriterPoolOptions["onWriterChange"];
}

/**
 * The service's database handles. Nothing is connected yet: `pool.start()` chooses the writer in
 * cluster mode (openDatabase in src/app/bootstrap.ts calls it), and the first statement connects.
 */
export function createDatabase({ urls, cluster = false, poolSize, onWriterChange }: DatabaseOptions): Database {
  const pool = new WriterPool({
    urls,
    cluster,
    onWriterChange,
    createPool: (url) => createNodePool(url, poolSize),
  });
  const statements = new StatementCounter();
  const db = drizzle({ client: pool.asDriverPool(), schema, mode: "default", logger: statements });
  return {
    db,
    pool,
    statements,
    close: () => pool.end(),
  };
}

/** The mysql2 pool of one server, with the session settings every connection needs. */
function createNodePool(url: string, poolSize: number): mysql.Pool {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: poolSize,
    // A node that does not answer is given up on after this, so a failover is not held up by it.
    connectTimeout: 5_000,
    // Every DATETIME is UTC: the driver converts with 'Z' and each session's CURRENT_TIMESTAMP agrees.
    timezone: "Z",
    supportBigNumbers: true,
    bigNumberStrings: false,
    // TCP keepalive from 10 s of silence: a pooled connection whose peer vanished (a failover, a cut
    // network path) is found dead by the OS instead of being handed to the next request. A request
    // already waiting on one is bounded by DB_BATCH_TIMEOUT_MS and the lock wait instead.
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    waitForConnections: true,
    // placeOrder sends several statements per round trip (src/db/batched-transaction.ts). Every value
    // in every statement of this service is a bound parameter, so this opens no injection path.
    multipleStatements: true,
    // mysql2 captures a stack trace on every query so an error can show its caller; on the products
    // page that capture was ~3% of the API's CPU. A database error still carries its code, SQL state
    // and message, and the GraphQL error log line carries the request id and the resolver path.
    trace: false,
  });
  // Runs once per new physical connection, before the pool hands it out. The lock wait is bounded
  // well below the server's default (50 s): a transaction waiting on a row held by a stuck session
  // gets a lock-wait error (retried, then CONFLICT) instead of holding a connection and a request
  // for most of a minute; it stays below DB_BATCH_TIMEOUT_MS (batched-transaction.ts).
  pool.pool.on("connection", (connection) => {
    connection.query(`SET time_zone = '+00:00', innodb_lock_wait_timeout = ${LOCK_WAIT_TIMEOUT_SECONDS}`);
  });
  return pool;
}

/** The database name in a mysql:// URL, checked so it can be quoted into DDL safely. */
function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) {
    throw new Error("DATABASE_URL must name a database made of letters, digits and underscores");
  }
  return name;
}

/** Creates the database named in `url` when it is missing (the first `npm start` on a fresh machine). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const name = databaseNameOf(url);
  const serverUrl = new URL(url);
  serverUrl.pathname = "/";
  const connection = await mysql.createConnection({ uri: serverUrl.toString() });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}
