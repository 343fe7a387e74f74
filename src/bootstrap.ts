import type { Config } from "./config.js";
import { createDatabase, ensureDatabaseExists, type Database } from "./db/client.js";
import { runMigrations } from "./db/migrate.js";
import { seedDemoData } from "./db/seed/seed-demo-data.js";
import type { Logger } from "./logger.js";
import type { Services } from "./services.js";

/** Creates the database when missing and applies migrations; returns the pool every part shares. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  await ensureDatabaseExists(config.databaseUrl);
  const database = createDatabase({ url: config.databaseUrl, poolSize: config.dbPoolSize });
  await runMigrations(database);
  log.info("database ready: migrations applied");
  return database;
}

/** Start-up data: the operator's ADMIN (ADMIN_LOGIN_ID / ADMIN_PASSWORD) and, when enabled, demo data. */
export async function loadStartupData(config: Config, database: Database, services: Services, log: Logger): Promise<void> {
  if (config.admin) {
    await services.members.ensureAdmin(config.admin.loginId, config.admin.password);
    log.info({ loginId: config.admin.loginId }, "admin account present");
  }
  if (config.seedDemoData) await seedDemoData(database.db, services, log);
}
