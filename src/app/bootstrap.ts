import { ConfigError, type Config } from "../config/config.js";
import { createDatabase, ensureDatabaseExists, type Database } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { seedDemoData } from "../seed/seed-demo-data.js";
import type { Logger } from "../observability/logger.js";
import type { MemberRow } from "../modules/member/member.repository.js";
import type { Services } from "./services.js";
import { DomainError } from "../shared/errors.js";

/**
 * Chooses the writer (DATABASE_URLS), creates the database when missing and applies migrations;
 * returns the pool every part shares.
 */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  const database = createDatabase({
    urls: config.databaseUrls,
    cluster: config.databaseCluster,
    poolSize: config.dbPoolSize,
    onWriterChange: (change) =>
      log[change.to === null ? "error" : "warn"](
        { from: change.from && redactUrl(change.from), to: change.to && redactUrl(change.to), nodes: change.reasons },
        change.to === null ? "no database node may take writes" : "database writer chosen",
      ),
  });
  try {
    await database.pool.start();
    await ensureDatabaseExists(database.pool.writerUrl ?? config.databaseUrl);
    await runMigrations(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  log.info("database ready: migrations applied");
  return database;
}

/** A database URL for a log line: without its password. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  return parsed.toString();
}

/** Start-up data: the operator's ADMIN (ADMIN_LOGIN_ID / ADMIN_PASSWORD) and, when enabled, demo data. */
export async function loadStartupData(
  config: Config,
  database: Database,
  services: Services,
  log: Logger,
): Promise<void> {
  const admin = config.admin ? await ensureConfiguredAdmin(config.admin, services) : undefined;
  if (admin) log.info({ loginId: admin.loginId }, "admin account present");
  // The operator's ADMIN (start-up's own, made just above) does not make the shop look used.
  if (config.seedDemoData) await seedDemoData(database.db, services, log, admin?.id);
}

const ADMIN_VARIABLES: Record<string, string> = { loginId: "ADMIN_LOGIN_ID", password: "ADMIN_PASSWORD" };

/**
 * A refused ADMIN (a loginId held by a member, a loginId or password the rules refuse) is a setting
 * the operator must change: a ConfigError naming the variable, so the process stops with that one
 * line rather than a stack trace, and serves nothing meanwhile.
 */
async function ensureConfiguredAdmin(admin: NonNullable<Config["admin"]>, services: Services): Promise<MemberRow> {
  try {
    return await services.members.ensureAdmin(admin.loginId, admin.password);
  } catch (error) {
    const variable = error instanceof DomainError ? ADMIN_VARIABLES[String(error.details.field)] : undefined;
    if (!(error instanceof DomainError) || !variable) throw error;
    const shown = variable === "ADMIN_LOGIN_ID" ? `="${admin.loginId}"` : "";
    throw new ConfigError(`${variable}${shown} is refused: ${error.message}; set another ${variable}`);
  }
}
