import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBatchedTransaction } from "../../src/db/batched-transaction.js";
import { isCheckViolation } from "../../src/db/errors.js";
import { commitBatchLockHeld } from "../../src/observability/metrics.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { rejectionOf } from "../helpers/thrown.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("batched_tx");
  await app.database.pool.query(
    "CREATE TABLE bait (id INT PRIMARY KEY, n INT NOT NULL, CONSTRAINT bait_n_non_negative CHECK (n >= 0))",
  );
});
afterAll(() => app.close());

const rowsOf = async (): Promise<Array<{ id: number; n: number }>> =>
  (await app.database.pool.query<RowDataPacket[]>("SELECT id, n FROM bait ORDER BY id"))[0] as Array<{
    id: number;
    n: number;
  }>;
const reset = (values: Array<[number, number]>) =>
  app.database.pool
    .query("DELETE FROM bait")
    .then(() => app.database.pool.query("INSERT INTO bait VALUES ?", [values]));
const READ_COMMITTED = { isolationLevel: "read committed" } as const;

/** Statements the server executed on this connection so far: round trips are counted through it. */
async function questions(tx: {
  send: (s: Array<{ sql: string; params: unknown[] }>) => Promise<unknown[]>;
}): Promise<number> {
  const [rows] = (await tx.send([{ sql: "SHOW SESSION STATUS LIKE 'Questions'", params: [] }])) as [RowDataPacket[]];
  return Number(rows[0]!.Value);
}

describe(runBatchedTransaction.name, () => {
  it("opens the transaction with the first batch, at the isolation level asked for, and commits what it sent", async () => {
    await reset([[1, 5]]);
    await runBatchedTransaction(
      app.database.pool,
      "test",
      async (tx) => {
        const [, level] = (await tx.send([
          { sql: "UPDATE bait SET n = n + 1 WHERE id = ?", params: [1] },
          {
            sql: "SELECT trx_isolation_level AS level FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = CONNECTION_ID()",
            params: [],
          },
        ])) as [unknown, RowDataPacket[]];
        expect(level[0]!.level).toBe("READ COMMITTED");
      },
      READ_COMMITTED,
    );
    expect(await rowsOf()).toEqual([{ id: 1, n: 6 }]);
  });

  it("sends a batch of statements as one query (one Questions count per statement, one round trip)", async () => {
    await runBatchedTransaction(
      app.database.pool,
      "test",
      async (tx) => {
        const before = await questions(tx);
        const results = await tx.send([
          { sql: "SELECT ? AS a", params: [1] },
          { sql: "SELECT ? AS b", params: ["two"] },
        ]);
        expect(results).toEqual([[{ a: 1 }], [{ b: "two" }]]);
        // Questions counts the statements of the multi-statement query, plus the SHOW itself.
        expect((await questions(tx)) - before).toBe(3);
      },
      READ_COMMITTED,
    );
  });

  it("runs the statements kept for commit after the work, with COMMIT, and times how long their locks are held", async () => {
    await reset([[1, 5]]);
    const observedBefore =
      (await commitBatchLockHeld.get()).values.find((v) => v.metricName?.endsWith("_count") && v.labels.unit === "kept")
        ?.value ?? 0;
    await runBatchedTransaction(
      app.database.pool,
      "kept",
      async (tx) => {
        tx.sendAtCommit([{ sql: "UPDATE bait SET n = n - 2 WHERE id = ?", params: [1] }]);
        // Not run yet: the kept statement waits for the end of the work.
        const [rows] = (await tx.send([{ sql: "SELECT n FROM bait WHERE id = 1", params: [] }])) as [RowDataPacket[]];
        expect(rows[0]!.n).toBe(5);
      },
      READ_COMMITTED,
    );
    expect(await rowsOf()).toEqual([{ id: 1, n: 3 }]);
    const observedAfter =
      (await commitBatchLockHeld.get()).values.find((v) => v.metricName?.endsWith("_count") && v.labels.unit === "kept")
        ?.value ?? 0;
    expect(observedAfter - observedBefore).toBe(1);
  });

  it("rolls everything back when a kept statement is refused: the COMMIT after it never runs", async () => {
    await reset([
      [1, 5],
      [2, 1],
    ]);
    const error = await rejectionOf(
      runBatchedTransaction(
        app.database.pool,
        "test",
        async (tx) => {
          await tx.send([{ sql: "UPDATE bait SET n = 100 WHERE id = ?", params: [1] }]);
          tx.sendAtCommit([
            { sql: "UPDATE bait SET n = n - 2 WHERE id = ?", params: [2] }, // 1 - 2 < 0: the CHECK refuses it
            { sql: "UPDATE bait SET n = 200 WHERE id = ?", params: [1] },
          ]);
        },
        READ_COMMITTED,
      ),
    );
    expect(isCheckViolation(error, "bait_n_non_negative")).toBe(true);
    expect(await rowsOf()).toEqual([
      { id: 1, n: 5 },
      { id: 2, n: 1 },
    ]);
  });

  it("rolls back when the work throws, and hands the connection back with no transaction open", async () => {
    await reset([[1, 5]]);
    const failure = new Error("work failed");
    expect(
      await rejectionOf(
        runBatchedTransaction(
          app.database.pool,
          "test",
          async (tx) => {
            await tx.send([{ sql: "UPDATE bait SET n = 0 WHERE id = ?", params: [1] }]);
            throw failure;
          },
          READ_COMMITTED,
        ),
      ),
    ).toBe(failure);
    expect(await rowsOf()).toEqual([{ id: 1, n: 5 }]);
    // No pooled connection kept the transaction open: a leaked one would still hold row 1's lock, so
    // locking it without waiting succeeds. (Counting open transactions would also count the test
    // app's own outbox relay, which polls in this database.)
    const probe = await app.database.pool.getConnection();
    try {
      await probe.query("START TRANSACTION");
      const [locked] = await probe.query<RowDataPacket[]>("SELECT n FROM bait WHERE id = 1 FOR UPDATE NOWAIT");
      expect(locked).toEqual([{ n: 5 }]);
    } finally {
      await probe.query("ROLLBACK");
      probe.release();
    }
  });

  it("lets drizzle statements of other modules run inside the same transaction", async () => {
    await reset([[1, 5]]);
    await runBatchedTransaction(
      app.database.pool,
      "test",
      async (tx) => {
        const db = await tx.drizzle();
        await db.execute("UPDATE bait SET n = 42 WHERE id = 1");
        tx.sendAtCommit([{ sql: "UPDATE bait SET n = n + 1 WHERE id = ?", params: [1] }]);
      },
      READ_COMMITTED,
    );
    expect(await rowsOf()).toEqual([{ id: 1, n: 43 }]);
  });
});
