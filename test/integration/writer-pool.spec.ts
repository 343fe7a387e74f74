import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, ensureDatabaseExists, type Database } from "../../src/db/client.js";
import type { WriterChange } from "../../src/db/cluster/writer-pool.js";
import { NO_WRITER_CODE, isDatabaseUnavailable } from "../../src/db/errors.js";
import { acquireLease } from "../../src/db/migration-lease.js";
import { FaultProxy } from "../helpers/fault-proxy.js";
import { freePort } from "../helpers/service-process.js";
import { dropDatabase, uniqueDatabaseUrl } from "../helpers/test-database.js";
import { rejectionOf } from "../helpers/thrown.js";

// DATABASE_URLS against the machine's MariaDB (a server outside any cluster: writable as it is),
// nodes that do not answer, and a proxy in front of it that a test closes. The Galera cluster's own
// states (non-Primary, Joining) are proven against a real cluster in test/faults/galera-*.spec.ts.
const url = uniqueDatabaseUrl("writer_pool");
const database = new URL(url).pathname.slice(1);
const server = { host: new URL(url).hostname, port: Number(new URL(url).port || 3306) };
const deadNode = async (): Promise<string> => `mysql://root@127.0.0.1:${await freePort()}/${database}`;
const opened: Database[] = [];

function open(urls: string[], changes: WriterChange[] = []): Database {
  const db = createDatabase({ urls, cluster: true, poolSize: 2, onWriterChange: (change) => changes.push(change) });
  opened.push(db);
  return db;
}

const serverPort = async (db: Database): Promise<number> => {
  const [rows] = await db.pool.query<RowDataPacket[]>("SELECT @@port AS port");
  return Number(rows[0]?.port);
};

beforeAll(async () => {
  await ensureDatabaseExists(url);
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await dropDatabase(url);
});

describe("WriterPool with DATABASE_URLS", () => {
  it("writes through the first node that answers, and says which and why the others were passed over", async () => {
    const changes: WriterChange[] = [];
    const dead = await deadNode();
    const db = open([dead, url], changes);
    await db.pool.start();
    expect(db.pool.writerUrl).toBe(url);
    expect(await serverPort(db)).toBe(server.port);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from: null, to: url });
    expect(changes[0]?.reasons[0]).toMatch(/^127\.0\.0\.1:\d+: unreachable: /);
    expect(changes[0]?.reasons[1]).toMatch(/: writable$/);
    expect(changes[0]?.reasons.join(" ")).not.toContain("root@");
  });

  it("moves to the next node when the writer's connections fail, without restarting anything", async () => {
    const proxy = await FaultProxy.start(server);
    const changes: WriterChange[] = [];
    const viaProxy = proxy.url(database);
    const db = open([viaProxy, url], changes);
    await db.pool.start();
    expect(db.pool.writerUrl).toBe(viaProxy);
    await db.pool.query("SELECT 1");

    await proxy.close();
    // A write that meets the dead writer fails as "unavailable" (retryable: it may have been applied,
    // so it is never sent twice); the next statement goes to the next node.
    const failure = await rejectionOf(db.pool.query("DO 1"));
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(await serverPort(db)).toBe(server.port);
    expect(db.pool.writerUrl).toBe(url);
    expect(changes.at(-1)).toMatchObject({ from: viaProxy, to: url });
  });

  it("answers a read whose writer died under it from the next node, as the read changes nothing", async () => {
    const proxy = await FaultProxy.start(server);
    const viaProxy = proxy.url(database);
    const db = open([viaProxy, url]);
    await db.pool.start();
    await db.pool.query("SELECT 1");
    await proxy.close();
    expect(await serverPort(db)).toBe(server.port);
    expect(db.pool.writerUrl).toBe(url);
  });

  it("answers 'unavailable' while no node may write, and recovers once one answers", async () => {
    const db = open([await deadNode(), await deadNode()]);
    const failure = await rejectionOf(db.pool.start());
    expect((failure as { code?: unknown }).code).toBe(NO_WRITER_CODE);
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(db.pool.writerUrl).toBeNull();
    // Asked again at once: the same answer, without probing the nodes on every request.
    expect(isDatabaseUnavailable(await rejectionOf(db.pool.getConnection()))).toBe(true);
  });

  it("ends a lost session on the node it was opened on, not on the writer of the moment", async () => {
    const db = open([url]);
    await db.pool.start();
    const victim = await db.pool.getConnection();
    const threadId = victim.threadId;
    await db.pool.killSession(victim, threadId);
    expect(isDatabaseUnavailable(await rejectionOf(victim.query("SELECT 1")))).toBe(true);
    victim.destroy();
  });
});

describe("the migration lease", () => {
  it("lets one holder in at a time; the next gets it once it is released", async () => {
    const db = open([url]);
    await db.pool.start();
    const first = await acquireLease(db.pool, "lease_test", 10_000);
    const order: string[] = [];
    const second = acquireLease(db.pool, "lease_test", 10_000).then((lease) => {
      order.push("second acquired");
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    order.push("first released");
    await first.release();
    await (await second).release();
    expect(order).toEqual(["first released", "second acquired"]);
  });

  it("gives up after its wait, and takes over a lease whose holder died without releasing it", async () => {
    const db = open([url]);
    await db.pool.start();
    await acquireLease(db.pool, "abandoned", 1_000);
    expect(String(await rejectionOf(acquireLease(db.pool, "abandoned", 300)))).toMatch(/timed out waiting/);
    await db.pool.query("UPDATE migration_lease SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND");
    const taken = await acquireLease(db.pool, "abandoned", 1_000);
    await taken.release();
  });
});
