import type { Connection, RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { openDatabase } from "../../src/app/bootstrap.js";
import { createLogger } from "../../src/observability/logger.js";
import { lockRetries } from "../../src/observability/metrics.js";
import { waitUntilDelivered } from "../helpers/drain.js";
import type { FakePlatform } from "../helpers/event-pipeline.js";
import {
  ORDER_FIELDS,
  adminToken,
  balanceOf,
  createProduct,
  fundedMembers,
  placeOrder,
  type CreatedProduct,
  type OrderData,
  type SignedIn,
} from "../helpers/factories.js";
import { invariantsOnEveryNode, startGaleraApp, type GaleraApp } from "../helpers/galera-app.js";
import { GaleraCluster } from "../helpers/galera-cluster.js";
import { errorCode, type GraphQLResponse } from "../helpers/graphql.js";
import { stockBaseline } from "../helpers/invariants.js";
import { seededRandom } from "../helpers/seeded-random.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { uniqueDatabaseUrl } from "../helpers/test-database.js";

/**
 * The service on a real 3-node MariaDB Galera cluster (DATABASE_URLS), with the worker and a data
 * platform: the order races, a bank workload of charges, orders and cancellations, and the event
 * pipeline keep every invariant, checked on each node; what is node-local on Galera (GET_LOCK,
 * auto-increment steps) does not break it.
 */
const available = GaleraCluster.available();
if (!available)
  console.warn("SKIPPED galera-workloads.spec: needs the machine's mariadbd, rsync and galera-4 (see .ci/run)");

let galera: GaleraApp;
let cluster: GaleraCluster;
let database: string;
let app: TestApp;
let platform: FakePlatform;
let admin: string;
/** Stock + units sold per option, from before anything sold: it must never change. */
const baseline = new Map<number, number>();

beforeAll(async () => {
  galera = await startGaleraApp("galera_workloads", { DB_POOL_SIZE: "40" });
  ({ cluster, database, app, platform } = galera);
  admin = await adminToken(app);
}, 180_000);

// eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if beforeAll failed
afterAll(() => galera?.close(), 60_000);

/** Counts responses by outcome: "ok" or the error code. */
function outcomes(responses: ReadonlyArray<GraphQLResponse<unknown>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const response of responses) {
    const key = response.errors ? (errorCode(response) ?? "NO_CODE") : "ok";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function addToBaseline(products: CreatedProduct[]): Promise<void> {
  const current = await stockBaseline(app.database.pool);
  for (const product of products)
    for (const option of product.options) baseline.set(Number(option.id), current.get(Number(option.id)) ?? NaN);
}

async function expectInvariantsOnEveryNode(): Promise<void> {
  expect(await invariantsOnEveryNode(cluster, database, baseline)).toEqual([]);
}

/** db_lock_retries_total, all errnos: the service's own counter (one registry for every app in this process). */
async function lockRetryCount(): Promise<number> {
  const metric = await lockRetries.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

async function rowsOn<T>(reader: Connection, sql: string): Promise<T[]> {
  const [rows] = await reader.query<RowDataPacket[]>(sql);
  return rows as T[];
}

describe.skipIf(!available)("the service on a 3-node Galera cluster", () => {
  it("writes through the first node of DATABASE_URLS while it is Synced in the Primary component", async () => {
    expect(app.database.pool.writerUrl).toBe(cluster.url(1, database));
    for (let node = 1; node <= cluster.size; node += 1)
      expect(await cluster.status(node)).toEqual({ state: "Synced", clusterStatus: "Primary", clusterSize: 3 });
  });

  it("sells exactly the stock: 200 buyers race for 50 units, 150 get INSUFFICIENT_STOCK and nothing else", async () => {
    const product = await createProduct(app, admin, { name: "Galera flash sale", price: 1000, stock: 50 });
    await addToBaseline([product]);
    const buyers = await fundedMembers(app, 40, 100_000);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        placeOrder(app, buyers[i % buyers.length]!, { items: [{ productId: product.id, quantity: 1 }] }),
      ),
    );
    expect(outcomes(responses)).toEqual({ ok: 50, INSUFFICIENT_STOCK: 150 });
    for (let node = 1; node <= cluster.size; node += 1) {
      const reader = await cluster.syncedReader(node, database);
      const [stock] = await rowsOn<{ quantity: number }>(
        reader,
        `SELECT quantity FROM stock WHERE option_id = ${Number(product.options[0]!.id)}`,
      );
      reader.destroy();
      expect({ node, quantity: stock?.quantity }).toEqual({ node, quantity: 0 });
    }
    await expectInvariantsOnEveryNode();
  });

  it("keeps the books through a bank workload: charges, orders and cancellations from 12 members at once", async () => {
    const random = seededRandom(15);
    const products = await Promise.all([
      createProduct(app, admin, { name: "Ledger A", price: 700, stock: 60 }),
      createProduct(app, admin, {
        name: "Ledger B",
        price: 300,
        options: [
          { name: "Small", additionalPrice: 0, stock: 40 },
          { name: "Large", additionalPrice: 450, stock: 40 },
        ],
      }),
    ]);
    await addToBaseline(products);
    const members = await fundedMembers(app, 12, 5_000);
    const placed = new Map<SignedIn, OrderData[]>(members.map((member) => [member, []]));
    const unexpected: string[] = [];
    const tally: Record<string, number> = {};

    const step = async (member: SignedIn): Promise<void> => {
      const roll = random();
      let response: GraphQLResponse;
      if (roll < 0.3) {
        response = await app.gql(
          `mutation ($a: SafeInt!) { chargePoint(amount: $a) { balance } }`,
          { a: 1 + Math.floor(random() * 4_000) },
          { token: member.token },
        );
      } else if (roll < 0.75) {
        const product = products[Math.floor(random() * products.length)]!;
        const option = product.options[Math.floor(random() * product.options.length)]!;
        response = await placeOrder(app, member, {
          items: [{ productId: product.id, optionId: option.id, quantity: 1 + Math.floor(random() * 3) }],
        });
        const order = (response.data as { placeOrder?: OrderData } | undefined)?.placeOrder;
        if (order) placed.get(member)!.push(order);
      } else {
        const orders = placed.get(member)!;
        const order = orders[Math.floor(random() * orders.length)];
        if (!order) return;
        response =
          roll < 0.9
            ? await app.gql(
                `mutation ($id: ID!) { cancelOrderItem(orderItemId: $id) { ${ORDER_FIELDS} } }`,
                { id: order.items[0]!.id },
                { token: member.token },
              )
            : await app.gql(
                `mutation ($id: ID!) { cancelOrder(orderId: $id) { ${ORDER_FIELDS} } }`,
                { id: order.id },
                { token: member.token },
              );
      }
      const outcome = response.errors ? (errorCode(response) ?? "NO_CODE") : "ok";
      tally[outcome] = (tally[outcome] ?? 0) + 1;
      if (!["ok", "INSUFFICIENT_BALANCE", "INSUFFICIENT_STOCK", "NOT_CANCELLABLE"].includes(outcome))
        unexpected.push(`${outcome}: ${JSON.stringify(response.errors)}`);
    };

    // 12 lanes, one per member, 25 steps each: the members' requests overlap on the same rows.
    await Promise.all(
      members.map(async (member) => {
        for (let i = 0; i < 25; i += 1) await step(member);
      }),
    );
    console.info(`galera bank workload: ${JSON.stringify(tally)}`);
    expect(unexpected).toEqual([]);
    expect(tally.ok).toBeGreaterThan(100);
    await expectInvariantsOnEveryNode();
  });

  it("delivers every paid order's events: the platform stores each once, the ranking equals SQL", async () => {
    const products = await Promise.all(
      Array.from({ length: 3 }, (_, i) => createProduct(app, admin, { name: `Ranked ${i}`, price: 100, stock: 1_000 })),
    );
    await addToBaseline(products);
    const buyers = await fundedMembers(app, 6, 1_000_000);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        placeOrder(app, buyers[i % buyers.length]!, {
          items: [{ productId: products[i % products.length]!.id, quantity: 1 + (i % 3) }],
        }),
      ),
    );
    await waitUntilDelivered(app.database.db, 60_000);
    const [outbox] = await app.database.pool.query<RowDataPacket[]>("SELECT event_id FROM outbox ORDER BY event_id");
    expect(
      platform
        .events()
        .map((event) => event.eventId)
        .sort(),
    ).toEqual(outbox.map((row) => String(row.event_id)));
    expect(platform.events().every((event) => event.deliveries === 1)).toBe(true);
    for (const days of [1, 3])
      expect(await app.services.ranking.popular(days, 20)).toEqual(
        await app.services.ranking.popularFromDatabase(days, 20),
      );
    await expectInvariantsOnEveryNode();
  });

  it("gives every table a primary key and InnoDB, as Galera replicates nothing else safely", async () => {
    const reader = await cluster.syncedReader(2, database);
    const tables = await rowsOn<{ name: string; engine: string; keyed: number | string }>(
      reader,
      `SELECT t.TABLE_NAME AS name, t.ENGINE AS engine,
              (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS c
                WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
                  AND c.CONSTRAINT_TYPE = 'PRIMARY KEY') AS keyed
         FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'`,
    );
    reader.destroy();
    expect(tables.length).toBeGreaterThan(10);
    expect(tables.filter((table) => table.engine !== "InnoDB" || Number(table.keyed) !== 1)).toEqual([]);
  });

  it("works with ids that step by the cluster size: no id is assumed to follow another", async () => {
    const [rows] = await app.database.pool.query<RowDataPacket[]>(
      "SELECT @@auto_increment_increment AS step, (SELECT GROUP_CONCAT(id ORDER BY id) FROM orders) AS ids",
    );
    expect(Number(rows[0]!.step)).toBe(3);
    const ids = String(rows[0]!.ids).split(",").map(Number);
    // One writer node: every id it hands out has the same residue, so none are adjacent.
    expect(ids.slice(1).every((id, i) => id - ids[i]! >= 3)).toBe(true);
    // The API answers with those ids and finds orders by them.
    const [member] = await fundedMembers(app, 1, 10_000);
    const product = await createProduct(app, admin, { name: "Sparse ids", price: 100, stock: 5 });
    await addToBaseline([product]);
    const order = (await placeOrder(app, member!, { items: [{ productId: product.id, quantity: 1 }] })).data!
      .placeOrder;
    const found = await app.gql<{ order: { id: string } }>(
      `query ($id: ID!) { order(id: $id) { id } }`,
      { id: order.id },
      { token: member!.token },
    );
    expect(found.data?.order.id).toBe(order.id);
  });

  it("retries certification conflicts when two processes write through different nodes, as while one moves back", async () => {
    // The same database and Redis prefix, the nodes in the opposite order: this process writes through
    // node 3 while the first writes through node 1, so their writes to the same rows meet at commit.
    const other = await startTestApp("galera_workloads_other", {
      DATABASE_URLS: [...cluster.urls(database)].reverse().join(","),
      REDIS_PREFIX: app.config.redisPrefix,
      RATE_LIMIT_MUTATION_BURST: "100000",
      RATE_LIMIT_MUTATIONS_PER_SECOND: "100000",
    });
    try {
      expect(other.database.pool.writerUrl).toBe(cluster.url(3, database));
      const product = await createProduct(app, admin, { name: "Two writers", price: 100, stock: 40 });
      await addToBaseline([product]);
      const buyers = await fundedMembers(app, 20, 1_000_000);
      const [wallet] = await fundedMembers(app, 1, 1_000);
      const retriesBefore = await lockRetryCount();
      const through = (i: number): TestApp => (i % 2 === 0 ? app : other);
      // Charges with a key each run in a transaction of their own (charges without one are committed in
      // groups, a few transactions per process), so the two writers' commits on the wallet meet often.
      const [orders, charges] = await Promise.all([
        Promise.all(
          Array.from({ length: 120 }, (_, i) =>
            placeOrder(through(i), buyers[i % buyers.length]!, { items: [{ productId: product.id, quantity: 1 }] }),
          ),
        ),
        Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            through(i).gql(
              `mutation ($key: String!) { chargePoint(amount: 100, idempotencyKey: $key) { balance } }`,
              { key: `two-writers-${i}` },
              { token: wallet!.token },
            ),
          ),
        ),
      ]);
      const retried = (await lockRetryCount()) - retriesBefore;
      const orderOutcomes = outcomes(orders);
      const chargeOutcomes = outcomes(charges);
      console.info(
        `galera two writers: orders ${JSON.stringify(orderOutcomes)}, charges ${JSON.stringify(chargeOutcomes)}, ${retried} transactions run again after 1213`,
      );
      // Conflicts happened and were run again; one that lost every try is a retryable CONFLICT, never a wrong answer.
      expect(retried).toBeGreaterThan(0);
      for (const outcome of Object.keys(orderOutcomes))
        expect(["ok", "INSUFFICIENT_STOCK", "CONFLICT"]).toContain(outcome);
      for (const outcome of Object.keys(chargeOutcomes)) expect(["ok", "CONFLICT"]).toContain(outcome);
      expect(orderOutcomes.ok ?? 0).toBeLessThanOrEqual(40);
      expect(await balanceOf(app, wallet!)).toBe(1_000 + 100 * (chargeOutcomes.ok ?? 0));
      await expectInvariantsOnEveryNode();
    } finally {
      await other.close({ keepDatabase: true });
    }
  });

  it("migrates once when three processes start together through the nodes in three different orders", async () => {
    const fresh = new URL(uniqueDatabaseUrl("galera_migrate")).pathname.slice(1);
    const urls = cluster.urls(fresh);
    const orders = [urls, [urls[1]!, urls[2]!, urls[0]!], [urls[2]!, urls[0]!, urls[1]!]];
    const log = createLogger("silent");
    const opened = await Promise.all(
      orders.map((list) => openDatabase(loadConfig({ NODE_ENV: "test", DATABASE_URLS: list.join(",") }), log)),
    );
    try {
      // Each process writes through the first node of its list: three writers, one schema.
      expect(new Set(opened.map((db) => db.pool.writerUrl)).size).toBe(3);
      for (let node = 1; node <= cluster.size; node += 1) {
        const reader = await cluster.syncedReader(node, fresh);
        const applied = await rowsOn<{ hash: string; copies: number | string }>(
          reader,
          "SELECT hash, COUNT(*) AS copies FROM __drizzle_migrations GROUP BY hash",
        );
        const leases = await rowsOn<{ n: number | string }>(reader, "SELECT COUNT(*) AS n FROM migration_lease");
        reader.destroy();
        expect(applied.length).toBeGreaterThan(0);
        expect(applied.filter((row) => Number(row.copies) !== 1)).toEqual([]);
        expect(Number(leases[0]!.n)).toBe(0);
      }
    } finally {
      await Promise.all(opened.map((db) => db.close()));
    }
  });
});
