/**
 * MySQL/MariaDB error numbers the service reacts to. drizzle wraps driver errors (DrizzleQueryError),
 * so the number is looked for on the error and on its `cause` chain.
 */
export const MysqlErrno = {
  DUPLICATE_KEY: 1062,
  /** Galera: the node is outside the Primary component (or not synced) and refuses queries. */
  WSREP_NOT_READY: 1047,
  /** KILL of a session that has already ended. */
  UNKNOWN_THREAD: 1094,
  LOCK_WAIT_TIMEOUT: 1205,
  DEADLOCK: 1213,
  /** MySQL 8: a CHECK constraint refused a row. */
  CHECK_VIOLATED_MYSQL: 3819,
  /** MariaDB: a CHECK constraint refused a row. */
  CHECK_VIOLATED_MARIADB: 4025,
  /** MySQL: a system variable it does not have (wsrep_on, outside MariaDB). */
  UNKNOWN_SYSTEM_VARIABLE: 1193,
  /** A value longer than its column (strict mode). */
  DATA_TOO_LONG: 1406,
  /** A foreign key names a row that does not exist. */
  NO_REFERENCED_ROW: 1452,
} as const;

const CONSTRAINT_REFUSALS: ReadonlySet<number> = new Set([
  MysqlErrno.DUPLICATE_KEY,
  MysqlErrno.CHECK_VIOLATED_MYSQL,
  MysqlErrno.CHECK_VIOLATED_MARIADB,
  MysqlErrno.DATA_TOO_LONG,
  MysqlErrno.NO_REFERENCED_ROW,
]);

export function mysqlErrnoOf(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const errno = (current as Error & { errno?: unknown }).errno;
    if (typeof errno === "number") return errno;
    current = current.cause;
  }
  return undefined;
}

/**
 * True when the server refused the statement for what it writes (a key, a CHECK, a length, a foreign
 * key): the same statement would be refused again, unlike a lost connection or a lock wait.
 */
export function isConstraintRefusal(error: unknown): boolean {
  const errno = mysqlErrnoOf(error);
  return errno !== undefined && CONSTRAINT_REFUSALS.has(errno);
}

export const isDuplicateKey = (error: unknown): boolean => mysqlErrnoOf(error) === MysqlErrno.DUPLICATE_KEY;

/**
 * True when the CHECK constraint named `constraint` refused the statement (both servers name it in
 * the message). The driver's error may come wrapped (drizzle's DrizzleQueryError, whose own message is
 * the query), so the name is looked for along the `cause` chain too.
 */
export function isCheckViolation(error: unknown, constraint: string): boolean {
  const errno = mysqlErrnoOf(error);
  if (errno !== MysqlErrno.CHECK_VIOLATED_MARIADB && errno !== MysqlErrno.CHECK_VIOLATED_MYSQL) return false;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current.message.includes(constraint)) return true;
    current = current.cause;
  }
  return false;
}

/** The code of the error WriterPool raises while no node of DATABASE_URLS may take writes. */
export const NO_WRITER_CODE = "DB_NO_WRITER";

// Driver codes and server errors meaning "the database is not there right now", not "the request
// is wrong": the connection was refused, lost or reset, or the server is shutting down.
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
  NO_WRITER_CODE,
]);
// 1047: a Galera node outside the Primary component refuses every statement until quorum returns.
// 1180 (error during commit): a Galera node that lost the Primary component while replicating a
// transaction's write set fails its COMMIT (or its first write) with it; nothing was committed, and a
// later try on a node of the Primary component may succeed. Being a "connection" failure, a COMMIT that
// gets it is still asked about (commit-outcome.ts) rather than trusted.
const UNAVAILABLE_ERRNOS = new Set([1047, 1053, 1040, 1180, 1927, 2002, 2003, 2006, 2013]);

// mysql2 raises this one without a code when a statement (often drizzle's ROLLBACK) is sent on a
// connection that has just died.
const CLOSED_CONNECTION = /connection is in closed state|Connection lost/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const { code, errno } = current as Error & { code?: unknown; errno?: unknown };
    if (
      (typeof code === "string" && UNAVAILABLE_CODES.has(code)) ||
      (typeof errno === "number" && UNAVAILABLE_ERRNOS.has(errno))
    )
      return true;
    if (CLOSED_CONNECTION.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * True when a statement failed because the connection did (lost, reset, refused, or a timeout after
 * which the connection cannot be trusted), rather than because the server refused the statement.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { fatal, code } = error as Error & { fatal?: unknown; code?: unknown };
  return fatal === true || code === "PROTOCOL_SEQUENCE_TIMEOUT" || isDatabaseUnavailable(error);
}

/**
 * True when the node a statement went to looks unusable for writes: the connection failed, or the
 * node answers but refuses statements (a Galera node that has lost quorum). WriterPool probes the
 * nodes again on such an error.
 */
export const isNodeFailure = (error: unknown): boolean =>
  isConnectionFailure(error) || mysqlErrnoOf(error) === MysqlErrno.WSREP_NOT_READY;
