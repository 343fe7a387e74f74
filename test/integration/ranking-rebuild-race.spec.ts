import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RankingKeys, addDays } from "../../src/modules/ranking/ranking.rules.js";
import type { OrderEvent } from "../../src/outbox/order-event.js";
import { createServices, type Services } from "../../src/app/services.js";
import { adminToken, createProduct, fundedMembers, type CreatedProduct, type SignedIn } from "../helpers/factories.js";
import { seededRandom } from "../helpers/seeded-random.js";
import { TEST_ZONE, TODAY, instantIn, noonClock } from "../helpers/test-day.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * `npm run ranking:rebuild` while events flow: a forced rebuild starts the ranking over and recounts
 * it from the database while the worker keeps counting live events (new orders, cancellations, and
 * redeliveries of old events). Whatever the interleaving, the ranking afterwards must be exactly the
 * SQL ground truth: no event counted twice, none lost.
 *
 * Live events are counted here as the worker counts them (RankingService.applyEvents, batches of up
 * to 100), in several concurrent lanes, so that many land while the rebuild runs, and through
 * services of their own, as in a worker process apart from the one rebuilding: what they know of
 * the ranking's generations goes stale under them.
 */
const clock = noonClock();
const PRODUCTS = 12;
const HISTORY = 1_500;
const ROUNDS = 3;

let app: TestApp;
/** The worker's side: its own services, so its own idea of the ranking's generations. */
let worker: Services;
let products: CreatedProduct[];
let buyers: SignedIn[];
const next = seededRandom(4242);

beforeAll(async () => {
  app = await startTestApp("ranking_race", { RANKING_TIMEZONE: TEST_ZONE }, { clock });
  worker = createServices({
    db: app.database.db,
    pool: app.database.pool,
    redis: app.redis,
    config: app.config,
    log: app.log,
    clock,
  });
  const admin = await adminToken(app);
  products = await Promise.all(
    Array.from({ length: PRODUCTS }, (_, i) =>
      createProduct(app, admin, { name: `Raced ${i}`, price: 10, stock: 1_000_000 }),
    ),
  );
  buyers = await fundedMembers(app, 10, 100_000_000);
}, 120_000);

afterAll(() => app.close());

/** Places an order of 1..3 random lines at the clock's time; returns its ORDER_PAID event and line ids. */
async function placeRandomOrder(): Promise<{ memberId: number; itemIds: number[]; event: OrderEvent }> {
  const buyer = buyers[Math.floor(next() * buyers.length)]!;
  const items = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
    const product = products[Math.floor(next() ** 2 * products.length)]!;
    return {
      productId: Number(product.id),
      optionId: Number(product.options[0]!.id),
      quantity: 1 + Math.floor(next() * 4),
    };
  });
  const { order } = await app.services.orders.placeOrder(Number(buyer.memberId), { items });
  const [rows] = await app.database.pool.query(
    "SELECT payload FROM outbox WHERE aggregate_id = ? AND type = 'ORDER_PAID'",
    [order.id],
  );
  const event = payloadOf((rows as Array<{ payload: unknown }>)[0]!.payload);
  return { memberId: Number(buyer.memberId), itemIds: event.order.items.map((item) => Number(item.id)), event };
}

const payloadOf = (payload: unknown): OrderEvent =>
  (typeof payload === "string" ? JSON.parse(payload) : payload) as OrderEvent;

async function cancelLine(memberId: number, itemId: number): Promise<OrderEvent> {
  await app.services.orders.cancelOrderItem(memberId, itemId);
  const [rows] = await app.database.pool.query(
    "SELECT payload FROM outbox WHERE type = 'ORDER_ITEM_CANCELLED' AND JSON_VALUE(payload, '$.orderItemId') = ?",
    [String(itemId)],
  );
  return payloadOf((rows as Array<{ payload: unknown }>)[0]!.payload);
}

async function allEvents(): Promise<OrderEvent[]> {
  const [rows] = await app.database.pool.query("SELECT payload FROM outbox ORDER BY id");
  return (rows as Array<{ payload: unknown }>).map((row) => payloadOf(row.payload));
}

async function expectRankingEqualsSql(label: string): Promise<void> {
  for (let days = 1; days <= 7; days += 1) {
    const fromRedis = await worker.ranking.popular(days, 20);
    expect(fromRedis, `${label}, days=${days}`).toEqual(await app.services.ranking.popularFromDatabase(days, 20));
  }
}

describe("a forced rebuild racing live events", () => {
  it("leaves the ranking equal to SQL: nothing counted twice, nothing lost", async () => {
    // A week of history, some of it cancelled, counted live as the worker would.
    const placed: Array<{ memberId: number; itemIds: number[] }> = [];
    for (let i = 0; i < HISTORY; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          clock.set(instantIn(addDays(TODAY, -Math.floor(next() * 7)), next() * 0.5));
          placed.push(await placeRandomOrder());
        }),
      );
    }
    clock.set(noonClock().now());
    const cancelled = new Set<number>();
    /** Cancels a line of the history not cancelled yet; returns its event. */
    const cancelHistoryLine = async (): Promise<OrderEvent> => {
      let order = placed[Math.floor(next() * placed.length)]!;
      while (order.itemIds.every((id) => cancelled.has(id))) order = placed[Math.floor(next() * placed.length)]!;
      const itemId = order.itemIds.find((id) => !cancelled.has(id))!;
      cancelled.add(itemId);
      return cancelLine(order.memberId, itemId);
    };
    for (let i = 0; i < HISTORY / 10; i += 1) await cancelHistoryLine();
    const history = await allEvents();
    for (let i = 0; i < history.length; i += 100) await worker.ranking.applyEvents(history.slice(i, i + 100));
    await app.services.ranking.rebuild({ force: true });
    await expectRankingEqualsSql("before the race");

    for (let round = 1; round <= ROUNDS; round += 1) {
      // Flipped by the rebuild's callback: a `let` would be narrowed to `true` by the compiler.
      const state = { rebuilding: true };
      let liveDuringRebuild = 0;
      const counted = async (events: OrderEvent[]) => {
        await worker.ranking.applyEvents(events);
        if (state.rebuilding) liveDuringRebuild += events.length;
      };
      const rebuild = app.services.ranking.rebuild({ force: true }).finally(() => (state.rebuilding = false));
      // Redeliveries of the whole history, in shuffled batches, in three lanes.
      const redeliveries = Array.from({ length: 3 }, async () => {
        const shuffled = [...history].sort(() => next() - 0.5);
        for (let i = 0; state.rebuilding; i = (i + 100) % shuffled.length) await counted(shuffled.slice(i, i + 100));
      });
      // New orders, and cancellations of old ones (which the rebuild may have read as paid), each
      // event counted right after its commit.
      const fresh = (async () => {
        while (state.rebuilding) {
          await counted([(await placeRandomOrder()).event]);
          await counted([await cancelHistoryLine()]);
        }
      })();
      expect(await rebuild).not.toBeNull();
      await Promise.all([...redeliveries, fresh]);
      expect(liveDuringRebuild).toBeGreaterThan(0);
      await expectRankingEqualsSql(`round ${round}`);
      // The generation the rebuild replaced is gone: only the current one's keys are left.
      const keys = new RankingKeys(app.config.redisPrefix);
      const generations = new Set<number | null>();
      const redis = app.redis;
      if (!(redis instanceof Redis)) throw new Error("this test runs on a single Redis server");
      for await (const batch of redis.scanStream({ match: keys.pattern(), count: 1000 }) as AsyncIterable<string[]>) {
        for (const key of batch) generations.add(keys.generationOf(key));
      }
      generations.delete(null);
      expect([...generations]).toHaveLength(1);
    }
  }, 240_000);
});
