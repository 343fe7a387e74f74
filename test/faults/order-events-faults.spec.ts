import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/process/lifecycle.js";
import { waitUntilDrained } from "../helpers/drain.js";
import { startFakePlatform, startWorker, type FakePlatform } from "../helpers/event-pipeline.js";
import {
  adminToken,
  createProduct,
  fundedMembers,
  placeOrder,
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { checkInvariants } from "../helpers/invariants.js";
import { PrivateRedis } from "../helpers/private-redis.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * Faults around the event pipeline, on a redis-server of this file's own (killed and flushed here)
 * and a fake data platform told to fail. After each: nothing lost, nothing counted twice.
 */
let redis: PrivateRedis;
let app: TestApp;
let worker: Running;
let platform: FakePlatform;
let platformPort: number;
/** How long the data platform stays down: a few seconds in `npm test`, a minute in `npm run test:faults`. */
const PLATFORM_DOWN_MS = Number(process.env.FAULT_PLATFORM_DOWN_MS ?? 3_000);
let products: CreatedProduct[];
let buyers: SignedIn[];

beforeAll(async () => {
  redis = await PrivateRedis.start();
  const fake = await startFakePlatform();
  platform = fake.platform;
  platformPort = Number(new URL(fake.url).port);
  app = await startTestApp("event_faults", {
    REDIS_URL: redis.url,
    DATA_PLATFORM_URL: fake.url,
    // 10 attempts from 100 ms double up to about 100 s in all: longer than the platform is ever down here.
    EVENT_RETRY_BASE_MS: "100",
    OUTBOX_SWEEP_MS: "200",
    RANKING_CHECK_MS: "200",
  });
  worker = await startWorker(app);
  const admin = await adminToken(app);
  products = await Promise.all(
    Array.from({ length: 8 }, (_, i) => createProduct(app, admin, { name: `Item ${i}`, price: 100, stock: 100_000 })),
  );
  buyers = await fundedMembers(app, 10, 10_000_000);
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await platform.close();
  await redis.kill();
});

/** `count` orders of 1..3 lines, 20 at a time, over HTTP; returns the responses' outcomes. */
async function placeOrders(count: number): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, j) => {
        const n = i + j;
        const items = Array.from({ length: 1 + (n % 3) }, (_, k) => ({
          productId: products[(n * 3 + k * 5) % products.length]!.id,
          quantity: 1 + ((n + k) % 4),
        }));
        return placeOrder(app, buyers[n % buyers.length]!, { items });
      }),
    );
    outcomes.push(...batch.map((response) => (response.errors ? (errorCode(response) ?? "error") : "ok")));
  }
  return outcomes;
}

/** Checks everything caught up, and prints what the fault exercised (for `npm run test:faults` logs). */
async function expectCaughtUp(fault?: string, operations?: number): Promise<void> {
  await waitUntilDrained(app.database.db, app.queues, 60_000);
  // Give the ranking check a moment to notice a lost ranking and rebuild it.
  const deadline = Date.now() + 10_000;
  while (!(await app.services.ranking.isBuilt()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Rarely used windows are cached unions that may lag by up to UNION_CACHE_SECONDS: drop the cache
  // so they are compared as computed now.
  const unions = (await app.redis.keys(`${app.config.redisPrefix}:{ranking}:*`)).filter((key) =>
    /\}:(g\d+:)?u\d+:/.test(key),
  );
  if (unions.length > 0) await app.redis.del(...unions);
  for (const days of [1, 2, 3, 7]) {
    expect(await app.services.ranking.popular(days, 20)).toEqual(
      await app.services.ranking.popularFromDatabase(days, 20),
    );
  }
  const [rows] = await app.database.pool.query("SELECT event_id FROM outbox");
  const expected = (rows as Array<{ event_id: string }>).map((row) => row.event_id).sort();
  const received = platform
    .events()
    .map((event) => event.eventId)
    .sort();
  expect(received).toEqual(expected); // every event delivered, each stored once
  const violations = await checkInvariants(app.database.pool);
  if (fault)
    console.info(
      `${fault}: ${operations} orders during the fault, ${expected.length} events delivered once each, ${violations.length} invariant violations`,
    );
  expect(violations).toEqual([]);
}

describe("order events under faults", () => {
  it("keeps taking orders while Redis is down, and catches up exactly when it is back", async () => {
    expect(await placeOrders(20)).toEqual(Array(20).fill("ok"));
    await expectCaughtUp();

    await redis.kill();
    const outcomes = await placeOrders(200);
    expect(outcomes).toEqual(Array(200).fill("ok"));
    // The ranking still answers, from SQL.
    const during = expectData(
      await app.gql<{ popularProducts: Array<{ soldQuantity: number }> }>(
        `{ popularProducts { soldQuantity product { id } } }`,
      ),
    );
    expect(during.popularProducts.map((entry) => entry.soldQuantity)).toEqual(
      (await app.services.ranking.popularFromDatabase(3, 5)).map((entry) => entry.soldQuantity),
    );
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);

    await redis.restart(); // empty: the ranking, the queues and the markers are gone
    await expectCaughtUp("redis killed and restarted empty", 200);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
  });

  it("rebuilds the ranking after FLUSHALL", async () => {
    await placeOrders(40);
    await expectCaughtUp();
    await app.redis.flushall();
    await placeOrders(20);
    await expectCaughtUp("redis FLUSHALL", 20);
  });

  it(
    `delivers what was sent while the data platform was down (${PLATFORM_DOWN_MS} ms), once it is back`,
    async () => {
      await platform.close();
      const received = platform.events().length;
      expect(await placeOrders(30)).toEqual(Array(30).fill("ok"));
      await new Promise((resolve) => setTimeout(resolve, PLATFORM_DOWN_MS));
      expect(platform.events().length).toBe(received); // nothing got through meanwhile
      await platform.listen(platformPort, "127.0.0.1");
      await expectCaughtUp(`data platform down ${PLATFORM_DOWN_MS} ms`, 30);
    },
    PLATFORM_DOWN_MS + 120_000,
  );

  it("delivers every event once while the data platform fails 30% of requests", async () => {
    platform.setBehaviour({ failRate: 0.3 });
    try {
      await placeOrders(100);
      await expectCaughtUp("data platform failing 30% of requests", 100);
      const retried = platform.events().filter((event) => event.deliveries > 1);
      expect(retried.length).toBeGreaterThan(0);
    } finally {
      platform.setBehaviour({ failRate: 0 });
    }
  });
});
