import path from "node:path";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { repositoryRoot } from "../process/paths.js";
import type { Database } from "./client.js";

/** drizzle/ at the repository root, where drizzle-kit writes the migrations. */
export const migrationsFolder = (): string => path.join(repositoryRoot(), "drizzle");

const MIGRATION_LOCK = "ecommerce_order_service_migrations";

/**
 * Applies the committed drizzle-kit migrations that have not run yet. The API and the worker may start
 * together against one database, so a named server lock (GET_LOCK, held on one connection of ours)
 * lets only one of them migrate while the other waits and then finds nothing left to do.
 */
export async function runMigrations({ db, pool }: Database): Promise<void> {
  const lockHolder = await pool.getConnection();
  try {
    const [rows] = await lockHolder.query("SELECT GET_LOCK(?, 120) AS acquired", [MIGRATION_LOCK]);
    const acquired = (rows as Array<{ acquired: number | null }>)[0]?.acquired === 1;
    if (!acquired) throw new Error("timed out waiting for another process to finish migrating");
    try {
      await migrate(db, { migrationsFolder: migrationsFolder() });
    } finally {
      await lockHolder.query("SELECT RELEASE_LOCK(?)", [MIGRATION_LOCK]);
    }
  } finally {
    lockHolder.release();
  }
}
