import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, startOfDay } from "../../src/modules/ranking/ranking.rules.js";
import { QueueName, type OrderEventJob } from "../../src/queue/queues.js";
import type { Running } from "../../src/process/lifecycle.js";
import { createServices } from "../../src/app/services.js";
import { waitUntilDrained } from "../helpers/drain.js";
import { startFakePlatform, startWorker, type FakePlatform } from "../helpers/event-pipeline.js";
import {
  adminToken,
  chargePoints,
  createProduct,
  signUpMember,
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { TestClock } from "../helpers/test-clock.js";
import { TEST_ZONE, TODAY } from "../helpers/test-day.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * The API and the worker on hosts whose clocks disagree around midnight: the API pays an order on
 * day D while the worker's clock still says D - 1. The event belongs to day D whatever the worker's
 * clock says, and must be counted there, not dropped as "outside the window".
 */
const MINUTE = 60_000;
const D = TODAY;
const apiClock = new TestClock(new Date(startOfDay(D, TEST_ZONE).getTime() + 5 * MINUTE));
const workerClock = new TestClock(new Date(startOfDay(D, TEST_ZONE).getTime() - 5 * MINUTE));

let app: TestApp;
let worker: Running;
let platform: FakePlatform;
let buyer: SignedIn;
let products: CreatedProduct[];
let rankingQueue: Queue<OrderEventJob>;

beforeAll(async () => {
  const fake = await startFakePlatform();
  platform = fake.platform;
  app = await startTestApp(
    "ranking_skew",
    {
      DATA_PLATFORM_URL: fake.url,
      RANKING_TIMEZONE: TEST_ZONE,
      EVENT_RETRY_BASE_MS: "50",
      OUTBOX_SWEEP_MS: "200",
      RANKING_CHECK_MS: "200",
    },
    { clock: apiClock },
  );
  worker = await startWorker(app, workerClock);
  const admin = await adminToken(app);
  products = await Promise.all(
    Array.from({ length: 3 }, (_, i) => createProduct(app, admin, { name: `Skewed ${i}`, price: 100, stock: 1_000 })),
  );
  buyer = await signUpMember(app);
  await chargePoints(app, buyer, 1_000_000);
  rankingQueue = app.queues.find((queue) => queue.name === QueueName.RANKING)!;
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await platform.close();
});

/** The ranking as a process whose clock reads `at` sees it, next to the SQL answer for the same day. */
async function rankingAt(at: Date, days: number) {
  apiClock.set(at);
  return {
    redis: await app.services.ranking.popular(days, 20),
    sql: await app.services.ranking.popularFromDatabase(days, 20),
  };
}

async function pay(product: CreatedProduct, quantity: number): Promise<string> {
  const { order } = await app.services.orders.placeOrder(Number(buyer.memberId), {
    items: [{ productId: Number(product.id), optionId: Number(product.options[0]!.id), quantity }],
  });
  const [rows] = await app.database.pool.query(
    "SELECT event_id FROM outbox WHERE aggregate_id = ? AND type = 'ORDER_PAID'",
    [order.id],
  );
  return (rows as Array<{ event_id: string }>)[0]!.event_id;
}

describe("events dated after the worker's today", () => {
  it("counts an order paid just after midnight on the API's clock while the worker's still says the day before", async () => {
    const paidAt = apiClock.now();
    await pay(products[0]!, 3);
    await waitUntilDrained(app.database.db, app.queues);

    const onD = await rankingAt(paidAt, 1);
    expect(onD.redis).toEqual(onD.sql);
    expect(onD.redis).toContainEqual({ productId: Number(products[0]!.id), soldQuantity: 3 });
    // On the worker's day the order is tomorrow's: in neither answer.
    const onWorkersDay = await rankingAt(workerClock.now(), 3);
    expect(onWorkersDay.redis).toEqual(onWorkersDay.sql);
    expect(onWorkersDay.redis.map((entry) => entry.productId)).not.toContain(Number(products[0]!.id));

    // A forced rebuild on the worker's clock keeps it too (it is in the database, dated tomorrow).
    const workerServices = createServices({
      db: app.database.db,
      pool: app.database.pool,
      redis: app.redis,
      config: app.config,
      log: app.log,
      clock: workerClock,
    });
    expect(await workerServices.ranking.rebuild({ force: true })).not.toBeNull();
    for (const days of [1, 3]) {
      const after = await rankingAt(paidAt, days);
      expect(after.redis, `days=${days}`).toEqual(after.sql);
      expect(after.redis).toContainEqual({ productId: Number(products[0]!.id), soldQuantity: 3 });
    }
    // The windows that will include day D later on were recomputed with it.
    const twoDaysLater = await rankingAt(new Date(startOfDay(addDays(D, 2), TEST_ZONE).getTime() + MINUTE), 3);
    expect(twoDaysLater.redis).toEqual(twoDaysLater.sql);
    expect(twoDaysLater.redis).toContainEqual({ productId: Number(products[0]!.id), soldQuantity: 3 });
  });

  it("retries an event dated two days after the worker's today until the worker's day catches up, then counts it", async () => {
    workerClock.set(new Date(startOfDay(D, TEST_ZONE).getTime() - 5 * MINUTE));
    const paidAt = new Date(startOfDay(addDays(D, 1), TEST_ZONE).getTime() + 5 * MINUTE);
    apiClock.set(paidAt);
    const eventId = await pay(products[1]!, 4);

    // Not dropped: the ranking job fails and waits for a retry.
    const deadline = Date.now() + 20_000;
    let failedReason: string | undefined;
    while (!failedReason && Date.now() < deadline) {
      failedReason = (await rankingQueue.getJob(eventId))?.failedReason;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(failedReason).toMatch(/ahead/);
    expect(await rankingQueue.getJobState(eventId)).not.toBe("completed");
    expect((await rankingAt(paidAt, 1)).redis.map((entry) => entry.productId)).not.toContain(Number(products[1]!.id));

    // The worker's clock passes midnight: the event is now one day ahead, and counted.
    workerClock.set(new Date(startOfDay(D, TEST_ZONE).getTime() + MINUTE));
    await waitUntilDrained(app.database.db, app.queues);
    const onTheDay = await rankingAt(paidAt, 1);
    expect(onTheDay.redis).toEqual(onTheDay.sql);
    expect(onTheDay.redis).toContainEqual({ productId: Number(products[1]!.id), soldQuantity: 4 });
  });
});
