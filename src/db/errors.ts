/**
 * MySQL/MariaDB error numbers the service reacts to. drizzle wraps driver errors (DrizzleQueryError),
 * so the number is looked for on the error and on its `cause` chain.
 */
export const MysqlErrno = {
  DUPLICATE_KEY: 1062,
  LOCK_WAIT_TIMEOUT: 1205,
  DEADLOCK: 1213,
} as const;

export function mysqlErrnoOf(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const errno = (current as Error & { errno?: unknown }).errno;
    if (typeof errno === "number") return errno;
    current = current.cause;
  }
  return undefined;
}

export const isDuplicateKey = (error: unknown): boolean => mysqlErrnoOf(error) === MysqlErrno.DUPLICATE_KEY;
