import path from "node:path";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { repositoryRoot } from "../process/paths.js";
import type { Database } from "./client.js";
import { acquireLease } from "./migration-lease.js";

/** drizzle/ at the repository root, where drizzle-kit writes the migrations. */
export const migrationsFolder = (): string => path.join(repositoryRoot(), "drizzle");

const MIGRATION_LEASE = "ecommerce_order_service_migrations";
const MIGRATION_WAIT_MS = 120_000;

/**
 * Applies the committed drizzle-kit migrations that have not run yet. The API and the worker may start
 * together against one database (or through different nodes of a cluster), so a lease on a row
 * (migration-lease.ts) lets only one of them migrate while the others wait and then find nothing
 * left to do.
 */
export async function runMigrations({ db, pool }: Database): Promise<void> {
  const lease = await acquireLease(pool, MIGRATION_LEASE, MIGRATION_WAIT_MS);
  try {
    await migrate(db, { migrationsFolder: migrationsFolder() });
  } finally {
    await lease.release();
  }
}
