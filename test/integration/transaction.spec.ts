import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInTransaction } from "../../src/db/transaction.js";
import { DomainError } from "../../src/shared/errors.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("transaction");
  await app.database.pool.query("CREATE TABLE lock_bait (id INT PRIMARY KEY, n INT NOT NULL)");
  await app.database.pool.query("INSERT INTO lock_bait VALUES (1, 0), (2, 0)");
});
afterAll(() => app.close());

/** Resolves when `count` parties have arrived, so two transactions hold their first lock together. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived += 1;
    if (arrived === count) release();
    return all;
  };
}

describe(runInTransaction.name, () => {
  it("runs the whole unit of work again when InnoDB picks it as a deadlock victim", async () => {
    const bothHoldFirstLock = barrier(2);
    const retries: number[] = [];
    let attempts = 0;
    const lockBoth = (first: number, second: number) =>
      runInTransaction(
        app.database.db,
        async (tx) => {
          attempts += 1;
          await tx.execute(sql`UPDATE lock_bait SET n = n + 1 WHERE id = ${first}`);
          if (attempts <= 2) await bothHoldFirstLock(); // only the first round is made to collide
          await tx.execute(sql`UPDATE lock_bait SET n = n + 1 WHERE id = ${second}`);
        },
        { isolationLevel: "read committed", onRetry: (_attempt, errno) => retries.push(errno) },
      );

    await Promise.all([lockBoth(1, 2), lockBoth(2, 1)]);
    expect(retries).toEqual([1213]); // one deadlock, one retry
    const [rows] = await app.database.pool.query("SELECT id, n FROM lock_bait ORDER BY id");
    // Both units of work took effect exactly once: the victim's first attempt was rolled back.
    expect(rows).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });

  it("gives up after the last attempt with a clear, retryable CONFLICT instead of a driver error", async () => {
    const deadlock = Object.assign(new Error("Deadlock found when trying to get lock"), { errno: 1213 });
    let attempts = 0;
    const failing = runInTransaction(
      app.database.db,
      () => {
        attempts += 1;
        return Promise.reject(deadlock);
      },
      { isolationLevel: "read committed", retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } },
    );
    const error = await failing.catch((caught: unknown) => caught);
    expect(attempts).toBe(3);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "CONFLICT", details: { retryable: true } });
  });

  it("does not retry other errors", async () => {
    let attempts = 0;
    const failing = runInTransaction(
      app.database.db,
      () => {
        attempts += 1;
        return Promise.reject(new Error("not a lock conflict"));
      },
      { isolationLevel: "read committed" },
    );
    await expect(failing).rejects.toThrow("not a lock conflict");
    expect(attempts).toBe(1);
  });

  it("runs at the isolation level it states, whatever the server's default", async () => {
    const level = await runInTransaction(
      app.database.db,
      async (tx) => {
        // SET TRANSACTION applies to the next transaction only (the session variable keeps the
        // default), so ask InnoDB what this transaction really runs at, once it has touched a table.
        await tx.execute(sql`SELECT n FROM lock_bait WHERE id = 1 FOR UPDATE`);
        const [rows] = (await tx.execute(
          sql`SELECT trx_isolation_level AS level FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = CONNECTION_ID()`,
        )) as unknown as [Array<{ level: string }>];
        return rows[0]!.level;
      },
      { isolationLevel: "read committed" },
    );
    expect(level).toBe("READ COMMITTED");
  });
});
