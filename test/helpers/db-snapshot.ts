import type { Pool, RowDataPacket } from "mysql2/promise";

/** What these checks need of a pool: the service's own (WriterPool) or a test's mysql2 pool. */
type SqlReader = Pick<Pool, "query" | "escapeId">;

/** The tables of the app; the snapshot refuses to run if one of them is missing (renamed, not migrated). */
export const APP_TABLES = [
  "member",
  "point_wallet",
  "point_ledger",
  "product",
  "product_option",
  "stock",
  "cart",
  "cart_item",
  "orders",
  "order_item",
  "payment",
  "outbox",
  "idempotency_key",
  "checkout",
  "checkout_item",
  "pg_refund",
] as const;

/** Bookkeeping of drizzle's migrator, not data of the app. */
const NOT_APP_TABLES = new Set(["__drizzle_migrations"]);

/**
 * Columns that may change when nothing but reads happened. There are none in this schema: no
 * last-seen or read-counter columns, and `updated_at` only moves when a row is written. So nothing is
 * left out of the snapshot; an `updated_at` that moves on a refused request is a bug to report.
 *
 * One thing does move on its own: the outbox relay sets `outbox.published_at` after a commit, in the
 * background. Callers wait for the outbox to drain (test/helpers/drain.ts) before taking a snapshot
 * rather than hiding that column.
 */
const VOLATILE_COLUMNS: Readonly<Record<string, readonly string[]>> = {};

export type TableRows = Array<Record<string, unknown>>;
export type DatabaseSnapshot = Record<string, TableRows>;

/**
 * Every row of every table of the app, each table ordered by its primary key, for an exact
 * before/after comparison (`expect(after).toEqual(before)`). Tables are found in the schema, so a
 * table added later is covered without touching this helper.
 */
export async function snapshotDatabase(pool: SqlReader): Promise<DatabaseSnapshot> {
  const [tableRows] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
  );
  const tables = tableRows.map((row) => String(row.name)).filter((name) => !NOT_APP_TABLES.has(name));
  const missing = APP_TABLES.filter((name) => !tables.includes(name));
  if (missing.length > 0) throw new Error(`snapshotDatabase: tables missing from the database: ${missing.join(", ")}`);

  const [keyRows] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName FROM information_schema.KEY_COLUMN_USAGE
     WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  const primaryKeys = new Map<string, string[]>();
  for (const row of keyRows) {
    const table = String(row.tableName);
    primaryKeys.set(table, [...(primaryKeys.get(table) ?? []), String(row.columnName)]);
  }

  const snapshot: DatabaseSnapshot = {};
  for (const table of tables) {
    const key = primaryKeys.get(table);
    // A table without a primary key is ordered by all its columns, so the order is still stable.
    const orderBy = key ? key.map((column) => pool.escapeId(column)).join(", ") : await allColumns(pool, table);
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT * FROM ${pool.escapeId(table)} ORDER BY ${orderBy}`);
    const volatile = VOLATILE_COLUMNS[table] ?? [];
    snapshot[table] = rows.map((row) =>
      Object.fromEntries(Object.entries(row).filter(([column]) => !volatile.includes(column))),
    );
  }
  return snapshot;
}

async function allColumns(pool: SqlReader, table: string): Promise<string> {
  const [columns] = await pool.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  return columns.map((column) => pool.escapeId(String(column.name))).join(", ");
}
