import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueName, type OrderEventJob } from "../../src/queue/queues.js";
import type { Running } from "../../src/process/lifecycle.js";
import { waitUntilDelivered } from "../helpers/drain.js";
import { startFakePlatform, startWorker, type FakePlatform } from "../helpers/event-pipeline.js";
import {
  adminToken,
  createProduct,
  fundedMembers,
  placeOrder,
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { checkInvariants } from "../helpers/invariants.js";
import { PrivateRedis } from "../helpers/private-redis.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * An event is never lost, however long the data platform or Redis is away: the outbox row stays the
 * truth until each consumer has confirmed it, and the worker's sweep publishes again whatever is
 * still unconfirmed, whatever happened to its jobs. Retry delays are shortened here (10 ms doubling
 * up to 100 ms per job; 300 ms doubling up to 1 s between publications of a row), so that the
 * platform's outage outlasts many times the ten attempts jobs used to be given up after.
 */
const PLATFORM_DOWN_MS = Number(process.env.FAULT_PLATFORM_DOWN_MS ?? 6_000);

let redis: PrivateRedis;
let app: TestApp;
let worker: Running | null = null;
let platform: FakePlatform;
let platformPort: number;
let products: CreatedProduct[];
let buyers: SignedIn[];
const logLines: string[] = [];

beforeAll(async () => {
  redis = await PrivateRedis.start();
  const fake = await startFakePlatform();
  platform = fake.platform;
  platformPort = Number(new URL(fake.url).port);
  app = await startTestApp(
    "event_delivery",
    {
      REDIS_URL: redis.url,
      DATA_PLATFORM_URL: fake.url,
      EVENT_RETRY_BASE_MS: "10",
      EVENT_RETRY_MAX_MS: "100",
      OUTBOX_SWEEP_MS: "100",
      OUTBOX_REPUBLISH_MS: "300",
      OUTBOX_REPUBLISH_MAX_MS: "1000",
      RANKING_CHECK_MS: "200",
    },
    { logLines },
  );
  worker = await startWorker(app);
  const admin = await adminToken(app);
  products = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      createProduct(app, admin, { name: `Delivered ${i}`, price: 100, stock: 100_000 }),
    ),
  );
  buyers = await fundedMembers(app, 4, 10_000_000);
});

afterAll(async () => {
  await worker?.stop();
  await app.close();
  await platform.close();
  await redis.kill();
});

const queue = (name: QueueName): Queue<OrderEventJob> => app.queues.find((candidate) => candidate.name === name)!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function placeOrders(count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    expectData(
      await placeOrder(app, buyers[i % buyers.length]!, {
        items: [{ productId: products[i % products.length]!.id, quantity: 1 + (i % 3) }],
      }),
    );
  }
}

async function outboxEventIds(): Promise<string[]> {
  const [rows] = await app.database.pool.query("SELECT event_id FROM outbox ORDER BY event_id");
  return (rows as Array<{ event_id: string }>).map((row) => row.event_id);
}

/** One series of a scrape of /metrics, or NaN when it is not there. */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.split(" ").at(-1)) : NaN;
}

/** Every event stored once by the platform, and the ranking equal to SQL. */
async function expectEverythingDelivered(): Promise<void> {
  await waitUntilDelivered(app.database.db, 60_000);
  expect(
    platform
      .events()
      .map((event) => event.eventId)
      .sort(),
  ).toEqual(await outboxEventIds());
  const deadline = Date.now() + 10_000;
  while (!(await app.services.ranking.isBuilt()) && Date.now() < deadline) await sleep(100);
  for (const days of [1, 3])
    expect(await app.services.ranking.popular(days, 20)).toEqual(
      await app.services.ranking.popularFromDatabase(days, 20),
    );
  expect(await checkInvariants(app.database.pool)).toEqual([]);
}

describe("order events are never lost", () => {
  it(
    `reach the platform after it was down ${PLATFORM_DOWN_MS} ms, far past the ten attempts jobs used to get, with Redis flushed meanwhile`,
    async () => {
      await platform.close();
      const downSince = Date.now();
      await placeOrders(20);

      // Jobs keep retrying, beyond the ten attempts after which they used to be given up.
      const deliveries = queue(QueueName.DATA_PLATFORM);
      let attempts: number[] = [];
      await sleep(PLATFORM_DOWN_MS / 2);
      while (Math.max(0, ...attempts) <= 15 && Date.now() < downSince + 30_000) {
        attempts = (await deliveries.getJobs(["delayed", "waiting", "active"])).map((job) => job.attemptsMade);
        await sleep(100);
      }
      expect(attempts).toHaveLength(20);
      expect(Math.max(...attempts)).toBeGreaterThan(15);
      expect(await deliveries.getFailedCount()).toBe(0);

      // Redis loses every queued job; more orders come meanwhile.
      await app.redis.flushall();
      await placeOrders(10);
      await sleep(Math.max(PLATFORM_DOWN_MS / 4, downSince + PLATFORM_DOWN_MS - Date.now()));

      // The undelivered events show, with their age: on /metrics and in the log.
      expect(await metric('outbox_backlog{consumer="data-platform"}')).toBe(30);
      expect(await metric('outbox_backlog{consumer="ranking"}')).toBe(0);
      expect(await metric('outbox_oldest_undelivered_seconds{consumer="data-platform"}')).toBeGreaterThan(0);
      expect(await metric('outbox_oldest_undelivered_seconds{consumer="ranking"}')).toBe(0);
      const warnings = logLines
        .map((line) => JSON.parse(line) as { level: number; msg: string; consumer?: string })
        .filter((entry) => entry.level === 40 && entry.consumer === "data-platform");
      expect(warnings.map((entry) => entry.msg)).toContain("outbox: events still undelivered, published again");
      expect(platform.events()).toEqual([]);

      await platform.listen(platformPort, "127.0.0.1");
      await expectEverythingDelivered();
      expect(await metric('outbox_backlog{consumer="data-platform"}')).toBe(0);
      expect(await metric('outbox_oldest_undelivered_seconds{consumer="data-platform"}')).toBe(0);
      console.info(
        `platform down ${PLATFORM_DOWN_MS} ms, Redis flushed: ${platform.events().length} events stored once each, ${platform.events().reduce((sum, event) => sum + event.deliveries, 0)} POSTs`,
      );
    },
    PLATFORM_DOWN_MS * 2 + 120_000,
  );

  it("tells operators how far behind the orders each consumer is (order_event_lag_seconds)", async () => {
    const series = (consumer: string) => `order_event_lag_seconds_count{consumer="${consumer}"}`;
    const before = { ranking: await metric(series("ranking")), platform: await metric(series("data-platform")) };
    await placeOrders(3);
    await waitUntilDelivered(app.database.db, 60_000);
    // Each consumer observed each of the three events once, as its confirmation was written.
    expect((await metric(series("ranking"))) - (before.ranking || 0)).toBe(3);
    expect((await metric(series("data-platform"))) - (before.platform || 0)).toBe(3);
    // The lag is measured from the order's occurredAt: a sum of three non-negative figures.
    expect(await metric(`order_event_lag_seconds_sum{consumer="ranking"}`)).toBeGreaterThanOrEqual(0);
  });

  it("publishes again an event whose jobs were deleted from Redis", async () => {
    await worker!.stop();
    worker = null;
    const before = platform.events().length;
    await placeOrders(1);
    const [eventId] = (await outboxEventIds()).filter((id) => !platform.events().some((event) => event.eventId === id));
    // Published by the API's relay, then lost: both jobs deleted before any worker took them.
    const deadline = Date.now() + 10_000;
    while (!(await queue(QueueName.DATA_PLATFORM).getJob(eventId!)) && Date.now() < deadline) await sleep(50);
    for (const name of [QueueName.RANKING, QueueName.DATA_PLATFORM]) {
      expect(await queue(name).remove(eventId!)).toBe(1);
      expect(await queue(name).getJob(eventId!)).toBeUndefined();
    }

    worker = await startWorker(app);
    await expectEverythingDelivered();
    expect(platform.events()).toHaveLength(before + 1);
    expect(platform.events().at(-1)!.eventId).toBe(eventId);
  });

  it("sends again a delivery whose confirmation never reached the database, and the platform stores it once", async () => {
    const [row] = (await app.database.pool.query("SELECT id, event_id FROM outbox ORDER BY id LIMIT 1"))[0] as Array<{
      id: number;
      event_id: string;
    }>;
    expect(await queue(QueueName.DATA_PLATFORM).getJobState(row!.event_id)).toBe("completed");
    const before = platform.events().find((event) => event.eventId === row!.event_id)!.deliveries;
    // As if the worker had died between the platform's 2xx and the confirmation's UPDATE.
    await app.database.pool.query("UPDATE outbox SET data_platform_delivered_at = NULL, retry_at = ? WHERE id = ?", [
      new Date(Date.now() - 1_000),
      row!.id,
    ]);

    await expectEverythingDelivered();
    const stored = platform.events().filter((event) => event.eventId === row!.event_id);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.deliveries).toBe(before + 1);
  });
});
