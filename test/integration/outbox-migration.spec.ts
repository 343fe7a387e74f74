import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, ensureDatabaseExists, type Database } from "../../src/db/client.js";
import { migrationsFolder, runMigrations } from "../../src/db/migrate.js";
import { dropDatabase, uniqueDatabaseUrl } from "../helpers/test-database.js";

/**
 * Migration 0005 gives each consumer its confirmation column. Rows the old pipeline had published
 * have none: the migration decides which count as delivered and which the worker's sweep must look
 * at again. Run here on a database holding such rows, migrated up to 0004 first.
 */
const url = uniqueDatabaseUrl("outbox_migration");
let database: Database;

/** drizzle/ as it stood before migration 0005: its SQL files and a journal that stops at 0004. */
function foldersUpTo0004(): string {
  const folder = mkdtempSync(path.join(tmpdir(), "migrations-0004-"));
  cpSync(migrationsFolder(), folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Array<{ idx: number }> };
  journal.entries = journal.entries.filter((entry) => entry.idx <= 4);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

beforeAll(async () => {
  await ensureDatabaseExists(url);
  database = createDatabase({ urls: [url], poolSize: 2 });
  await migrate(database.db, { migrationsFolder: foldersUpTo0004() });
});

afterAll(async () => {
  await database.close();
  await dropDatabase(url);
});

interface Row {
  event_id: string;
  attempts: number;
  published_at: Date | null;
  ranking_delivered_at: Date | null;
  data_platform_delivered_at: Date | null;
  retry_at: Date | null;
}

describe("migration 0005_outbox_delivery_per_consumer", () => {
  it("counts rows the old pipeline finished with as delivered, and leaves the ones still in flight to the sweep", async () => {
    // On the database's clock, which the migration reads (NOW()): `npm run test:dates` moves only ours.
    const [clock] = await database.pool.query("SELECT NOW(3) AS now");
    const now = (clock as Array<{ now: Date }>)[0]!.now.getTime();
    const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000);
    const rows: Array<[string, Date | null]> = [
      ["published-two-days-ago", minutesAgo(2 * 24 * 60)],
      ["published-an-hour-ago", minutesAgo(60)],
      ["published-a-minute-ago", minutesAgo(1)],
      ["never-published", null],
    ];
    for (const [eventId, publishedAt] of rows) {
      await database.pool.query(
        "INSERT INTO outbox (event_id, type, aggregate_id, payload, occurred_at, published_at) VALUES (?, 'ORDER_PAID', 1, '{}', ?, ?)",
        [eventId, minutesAgo(3 * 24 * 60), publishedAt],
      );
    }

    await runMigrations(database);

    const [result] = await database.pool.query(
      "SELECT event_id, attempts, published_at, ranking_delivered_at, data_platform_delivered_at, retry_at FROM outbox",
    );
    const byId = new Map((result as Row[]).map((row) => [row.event_id, row]));
    // Finished either way long ago (the old jobs had ten attempts, about 17 minutes): delivered then.
    for (const eventId of ["published-two-days-ago", "published-an-hour-ago"]) {
      const row = byId.get(eventId)!;
      expect(row.ranking_delivered_at, eventId).toEqual(row.published_at);
      expect(row.data_platform_delivered_at, eventId).toEqual(row.published_at);
      expect(row.retry_at, eventId).toBeNull();
    }
    // Its old jobs may still be retrying, or may fail: owed, and due for the sweep to look at now.
    const recent = byId.get("published-a-minute-ago")!;
    expect(recent.ranking_delivered_at).toBeNull();
    expect(recent.data_platform_delivered_at).toBeNull();
    expect(recent.retry_at).not.toBeNull();
    expect(recent.attempts).toBe(1);
    // The relay publishes it as any new row.
    expect(byId.get("never-published")).toMatchObject({
      published_at: null,
      ranking_delivered_at: null,
      data_platform_delivered_at: null,
      retry_at: null,
      attempts: 0,
    });
  });
});
