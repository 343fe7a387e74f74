import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/modules/ranking/ranking.rules.js";
import type { Running } from "../../src/process/lifecycle.js";
import { waitUntilDrained } from "../helpers/drain.js";
import { startFakePlatform, startWorker, type FakePlatform } from "../helpers/event-pipeline.js";
import { adminToken, createProduct, fundedMembers, type CreatedProduct, type SignedIn } from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { checkInvariants } from "../helpers/invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { seededRandom as random } from "../helpers/seeded-random.js";
import { TEST_ZONE, TODAY, instantIn, noonClock } from "../helpers/test-day.js";
import type { OrderEvent } from "../../src/outbox/order-event.js";

const ZONE = TEST_ZONE;
const clock = noonClock();

let app: TestApp;
let worker: Running;
let platform: FakePlatform;
let products: CreatedProduct[];
let buyers: SignedIn[];

beforeAll(async () => {
  const fake = await startFakePlatform();
  platform = fake.platform;
  app = await startTestApp(
    "ranking",
    {
      DATA_PLATFORM_URL: fake.url,
      RANKING_TIMEZONE: ZONE,
      EVENT_RETRY_BASE_MS: "50",
      OUTBOX_SWEEP_MS: "200",
      RANKING_CHECK_MS: "200",
    },
    { clock },
  );
  worker = await startWorker(app, clock);
  const admin = await adminToken(app);
  products = [];
  for (let i = 0; i < 25; i += 1) {
    const options =
      i % 4 === 0
        ? [
            { name: "A", additionalPrice: 0, stock: 100_000 },
            { name: "B", additionalPrice: 10, stock: 100_000 },
          ]
        : undefined;
    products.push(
      await createProduct(app, admin, {
        name: `Product ${i}`,
        price: 100 + i,
        ...(options ? { options } : { stock: 100_000 }),
      }),
    );
  }
  buyers = await fundedMembers(app, 20, 100_000_000);
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await platform.close();
});

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe("popular products ranking", () => {
  it("equals the SQL ground truth after 1,000 random orders and 100 cancellations over nine days", async () => {
    const next = random(20261124);
    const placed: Array<{ orderId: number; memberId: number; itemIds: number[] }> = [];
    // Days 8 and 7 ago fall outside every window; the rest spread over the last week.
    for (let daysAgo = 8; daysAgo >= 0; daysAgo -= 1) {
      const orders = Array.from({ length: daysAgo === 0 ? 120 : 110 }, () => {
        // Skewed choice of products, so that the top of the ranking is contested and has ties.
        const lines = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
          const product = products[Math.floor(next() ** 2 * products.length)]!;
          const option = product.options[Math.floor(next() * product.options.length)]!;
          return { productId: Number(product.id), optionId: Number(option.id), quantity: 1 + Math.floor(next() * 4) };
        });
        // Today's orders fall in its first half: the clock stands at noon afterwards.
        return {
          buyer: buyers[Math.floor(next() * buyers.length)]!,
          lines,
          at: instantIn(addDays(TODAY, -daysAgo), next() * (daysAgo === 0 ? 0.5 : 1)).getTime(),
        };
      });
      await inBatches(orders, 10, async (order) => {
        clock.set(new Date(order.at));
        const result = await app.services.orders.placeOrder(Number(order.buyer.memberId), { items: order.lines });
        const items = await app.database.pool.query("SELECT id FROM order_item WHERE order_id = ?", [result.order.id]);
        placed.push({
          orderId: result.order.id,
          memberId: Number(order.buyer.memberId),
          itemIds: (items[0] as Array<{ id: number }>).map((row) => row.id),
        });
      });
    }
    expect(placed).toHaveLength(1_000);

    clock.set(noonClock().now());
    const cancellations = new Map<number, number>();
    while (cancellations.size < 100) {
      const order = placed[Math.floor(next() * placed.length)]!;
      cancellations.set(order.itemIds[Math.floor(next() * order.itemIds.length)]!, order.memberId);
    }
    await inBatches([...cancellations], 10, ([itemId, memberId]) =>
      app.services.orders.cancelOrderItem(memberId, itemId),
    );

    await waitUntilDrained(app.database.db, app.queues);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
    for (let days = 1; days <= 7; days += 1) {
      const fromRedis = await app.services.ranking.popular(days, 20);
      expect(fromRedis, `days=${days}`).toEqual(await app.services.ranking.popularFromDatabase(days, 20));
      expect(fromRedis.length).toBeGreaterThan(0);
    }
    // And the answers came from Redis, not from the SQL fallback.
    expect(await app.services.ranking.isBuilt()).toBe(true);

    const graphql = expectData(
      await app.gql<{ popularProducts: Array<{ rank: number; soldQuantity: number; product: { id: string } }> }>(
        `{ popularProducts { rank soldQuantity product { id name } } }`,
      ),
    ).popularProducts;
    const truth = await app.services.ranking.popularFromDatabase(3, 5);
    expect(graphql.map((entry) => [entry.rank, Number(entry.product.id), entry.soldQuantity])).toEqual(
      truth.map((entry, index) => [index + 1, entry.productId, entry.soldQuantity]),
    );
    // Every event reached the data platform, each once.
    const [outboxRows] = await app.database.pool.query("SELECT COUNT(*) AS n FROM outbox");
    expect(platform.events()).toHaveLength((outboxRows as Array<{ n: number }>)[0]!.n);
  }, 120_000); // 1,000 orders through the API: far more than the default guard on a busy 2-core machine

  it("changes nothing when an event is processed again or enqueued twice", async () => {
    const before = await app.services.ranking.popular(7, 20);
    // Today's payments, and the latest cancellations (some of orders too old to count any more).
    const [rows] = await app.database.pool.query(
      "(SELECT id, payload FROM outbox WHERE type = 'ORDER_PAID' ORDER BY id DESC LIMIT 20) UNION ALL (SELECT id, payload FROM outbox WHERE type = 'ORDER_ITEM_CANCELLED' ORDER BY id DESC LIMIT 20)",
    );
    for (const row of rows as Array<{ id: number; payload: string | object }>) {
      const event = (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as OrderEvent;
      const outcome = await app.services.ranking.applyEvent(event);
      expect(event.type === "ORDER_PAID" ? ["duplicate"] : ["duplicate", "outside-window"]).toContain(outcome);
      for (const queue of app.queues) await queue.add(event.type, { event }, { jobId: event.eventId });
    }
    await waitUntilDrained(app.database.db, app.queues);
    expect(await app.services.ranking.popular(7, 20)).toEqual(before);
    expect(new Set(platform.events().map((event) => event.eventId)).size).toBe(platform.events().length);
  });

  it("comes back equal to the ground truth after a forced rebuild (npm run ranking:rebuild)", async () => {
    const report = await app.services.ranking.rebuild({ force: true });
    expect(report?.orders).toBeGreaterThan(0);
    for (const days of [1, 3, 5, 7]) {
      expect(await app.services.ranking.popular(days, 20)).toEqual(
        await app.services.ranking.popularFromDatabase(days, 20),
      );
    }
  });
});
