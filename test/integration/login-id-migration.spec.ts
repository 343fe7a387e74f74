import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase, ensureDatabaseExists, type Database } from "../../src/db/client.js";
import { migrationsFolder, runMigrations } from "../../src/db/migrate.js";
import { hashPassword } from "../../src/modules/member/password-hasher.js";
import { expectData } from "../helpers/graphql.js";
import { startTestApp } from "../helpers/test-app.js";
import { rejectionOf } from "../helpers/thrown.js";
import { dropDatabase, uniqueDatabaseUrl } from "../helpers/test-database.js";

/**
 * Migration 0004 (canonical, byte-for-byte loginIds) on databases that already hold members, as a
 * database migrated to 0003 by an earlier release would.
 */
const BEFORE = "0003_idempotency_key_varbinary";
const journalTags = (): string[] =>
  (
    JSON.parse(readFileSync(path.join(migrationsFolder(), "meta", "_journal.json"), "utf8")) as {
      entries: Array<{ tag: string }>;
    }
  ).entries.map((entry) => entry.tag);
/** Migrations applied when 0004 stops (those before it), and once every migration has run. */
const APPLIED_BEFORE = journalTags().indexOf(BEFORE) + 1;
const APPLIED_ALL = journalTags().length;
const folders: string[] = [];
const databases: Database[] = [];

afterAll(async () => {
  for (const database of databases) {
    await database.close();
    await dropDatabase(databaseUrlOf(database));
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const urls = new WeakMap<Database, string>();
const databaseUrlOf = (database: Database): string => urls.get(database)!;

/** drizzle/ as it was up to and including the migration `tag`. */
function migrationsUpTo(tag: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  folders.push(folder);
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder(), "meta", "_journal.json"), "utf8")) as {
    entries: Array<{ tag: string }>;
  };
  const entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === tag) + 1);
  mkdirSync(path.join(folder, "meta"));
  writeFileSync(path.join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }));
  for (const { tag: name } of entries)
    cpSync(path.join(migrationsFolder(), `${name}.sql`), path.join(folder, `${name}.sql`));
  return folder;
}

/** A database at migration 0003, holding members with these loginIds, written as they were then. */
async function databaseBefore0004(
  label: string,
  loginIds: string[],
  setUp?: (database: Database) => Promise<void>,
): Promise<Database> {
  const url = uniqueDatabaseUrl(label);
  await ensureDatabaseExists(url);
  const database = createDatabase({ urls: [url], poolSize: 2 });
  urls.set(database, url);
  databases.push(database);
  await migrate(database.db, { migrationsFolder: migrationsUpTo(BEFORE) });
  await setUp?.(database);
  const passwordHash = await hashPassword("correct-horse-battery");
  for (const loginId of loginIds) {
    await database.pool.query("INSERT INTO member (login_id, password_hash, nickname) VALUES (?, ?, 'x')", [
      loginId,
      passwordHash,
    ]);
  }
  return database;
}

async function loginIds(database: Database): Promise<string[]> {
  const [rows] = await database.pool.query("SELECT login_id AS loginId FROM member ORDER BY id");
  return (rows as Array<{ loginId: string }>).map((row) => row.loginId);
}

async function appliedMigrations(database: Database): Promise<number> {
  const [rows] = await database.pool.query("SELECT COUNT(*) AS n FROM __drizzle_migrations");
  return Number((rows as Array<{ n: number | string }>)[0]!.n);
}

/** A failed statement's message, whether drizzle wrapped the driver's error or not. */
function messageOf(error: unknown): string {
  const cause = (error as Error).cause;
  return `${(error as Error).message} ${cause instanceof Error ? cause.message : ""}`;
}

describe("migration 0004: canonical loginIds", () => {
  it("brings the ids already there to their canonical form, which every spelling then signs in to", async () => {
    const database = await databaseBefore0004("login_id_migration", ["Jane_Doe", "carol-x", "MiXeD.Case9"]);
    await database.close();
    databases.splice(databases.indexOf(database), 1);
    // The service's own start-up on that database: migrations, then an ordinary start.
    const app = await startTestApp("login_id_migration", { DATABASE_URL: databaseUrlOf(database) });
    try {
      expect(await loginIds(app.database)).toEqual(["jane_doe", "carol-x", "mixed.case9", "test-admin"]);
      for (const spelling of ["jane_doe", "JANE_DOE", "Jane_Doe", " mixed.case9 "]) {
        const signedIn = await app.gql<{ login: { member: { loginId: string } } }>(
          `mutation ($l: String!) { login(loginId: $l, password: "correct-horse-battery") { member { loginId } } }`,
          { l: spelling },
        );
        expect(expectData(signedIn).login.member.loginId).toBe(spelling.trim().toLowerCase());
      }
    } finally {
      await app.close();
    }
  });

  it("stops, changing no row, when two ids collapse into one, so neither account is merged or renamed", async () => {
    // Possible only where the ids were compared byte for byte before (a database made with a binary
    // collation): the old case-insensitive unique index kept them apart everywhere else.
    const database = await databaseBefore0004(
      "login_id_migration_dup",
      ["Dup.User", "dup.user", "other-user"],
      async ({ pool }) => {
        await pool.query(
          "ALTER TABLE member MODIFY login_id varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
        );
      },
    );
    const failure = await rejectionOf(runMigrations(database));
    expect(messageOf(failure)).toMatch(/Duplicate entry 'dup\.user' for key 'member_login_id_uq'/);
    expect(await loginIds(database)).toEqual(["Dup.User", "dup.user", "other-user"]);
    expect(await appliedMigrations(database)).toBe(APPLIED_BEFORE);

    // The operator renames one of the two by hand, and the next start migrates.
    await database.pool.query("UPDATE member SET login_id = 'dup.user.2' WHERE login_id = 'Dup.User'");
    await runMigrations(database);
    expect(await loginIds(database)).toEqual(["dup.user.2", "dup.user", "other-user"]);
    expect(await appliedMigrations(database)).toBe(APPLIED_ALL);
  });

  it("stops on an id no sign-up could have made, which SQL cannot make canonical, until it is fixed by hand", async () => {
    const database = await databaseBefore0004("login_id_migration_odd", ["jose\u0301.x", "fine-user"]);
    const failure = await rejectionOf(runMigrations(database));
    expect(messageOf(failure)).toMatch(/member_login_id_canonical/);
    expect(await appliedMigrations(database)).toBe(APPLIED_BEFORE);

    await database.pool.query("UPDATE member SET login_id = 'jose.x' WHERE login_id LIKE 'jose%'");
    await runMigrations(database);
    expect(await loginIds(database)).toEqual(["jose.x", "fine-user"]);
    expect(await appliedMigrations(database)).toBe(APPLIED_ALL);
  });
});
