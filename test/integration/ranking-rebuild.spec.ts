import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderEvent, type OrderSnapshot } from "../../src/outbox/order-event.js";
import { MAX_DAYS, RankingKeys, addDays, startOfDay, windowDays } from "../../src/modules/ranking/ranking.rules.js";
import { RankingStore } from "../../src/modules/ranking/ranking.store.js";
import { PrivateRedis } from "../helpers/private-redis.js";
import { seededRandom as random } from "../helpers/seeded-random.js";
import { TEST_ZONE, TODAY, noonClock } from "../helpers/test-day.js";

/**
 * The batched counting (applyPaidBatch for live jobs; applyPaidBatchToDays + unionWindows for the
 * rebuild) against the one-script-per-event counting it replaces: from the same events, with live
 * events before, between and after the batches (some cancellations overtaking their payment, some
 * events delivered twice), every key a query can read and every marker must come out the same.
 */
const ZONE = TEST_ZONE;
/** The stores count key lifetimes on the same clock as the days they are given. */
const clock = noonClock();
const PRODUCTS = 30;

let server: PrivateRedis;
let redis: Redis;

beforeAll(async () => {
  server = await PrivateRedis.start();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis.disconnect();
  await server.kill();
});

/** Orders over the last MAX_DAYS + 2 days (the two oldest outside every window), in id and time order. */
function makeOrders(next: () => number, count: number): OrderSnapshot[] {
  const first = startOfDay(addDays(TODAY, -(MAX_DAYS + 1)), ZONE).getTime();
  const last = startOfDay(TODAY, ZONE).getTime() + 20 * 3600_000;
  const times = Array.from({ length: count }, () => first + Math.floor(next() * (last - first))).sort((a, b) => a - b);
  let itemId = 0;
  return times.map((time, index) => ({
    id: index + 1,
    memberId: 1,
    totalAmount: 0,
    createdAt: new Date(time),
    items: Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({
      id: (itemId += 1),
      // Skewed, so that one batch holds the same product many times.
      productId: 1 + Math.floor(next() ** 2 * PRODUCTS),
      optionId: 1,
      quantity: 1 + Math.floor(next() * 3),
      unitPrice: 100,
      status: next() < 0.15 ? ("CANCELLED" as const) : ("PAID" as const),
    })),
  }));
}

const paid = (order: OrderSnapshot) => orderEvent("ORDER_PAID", `paid-${order.id}`, order.createdAt, order);
const cancelled = (order: OrderSnapshot, itemId: number) =>
  orderEvent("ORDER_ITEM_CANCELLED", `cancel-${itemId}`, order.createdAt, order, itemId);

type Step = (store: RankingStore) => Promise<unknown>;

/** Live events in a random order: payments, cancellations (some before their payment), some twice. */
function liveSteps(next: () => number, orders: OrderSnapshot[]): Step[] {
  const steps: Step[] = [];
  for (const order of orders) {
    if (next() < 0.5) steps.push((store) => store.applyPaid(paid(order), TODAY));
    for (const item of order.items) {
      if (item.status === "CANCELLED" && next() < 0.5)
        steps.push((store) => store.applyCancel(cancelled(order, item.id), TODAY));
    }
  }
  for (let i = steps.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [steps[i], steps[j]] = [steps[j]!, steps[i]!];
  }
  return [...steps, ...steps.filter(() => next() < 0.1)];
}

/** What a reader can see: the daily keys of tracked days, the windows ending today and later, the markers. */
async function readable(keys: RankingKeys): Promise<Record<string, string[]>> {
  const names = [
    ...windowDays(TODAY, MAX_DAYS).map((day) => keys.daily(day)),
    ...[0, 1, 2].map((ahead) => keys.window(3, addDays(TODAY, ahead))),
  ];
  const state: Record<string, string[]> = {};
  for (const name of names) state[name.slice(name.indexOf("}"))] = await redis.zrange(name, 0, "-1", "WITHSCORES");
  const markers: string[] = [];
  for await (const batch of redis.scanStream({
    match: `${keys.pattern().slice(0, -1)}seen:*`,
    count: 1000,
  }) as AsyncIterable<string[]>) {
    markers.push(...batch.map((key) => key.slice(key.indexOf("}"))));
  }
  state.markers = markers.sort();
  return state;
}

async function run(steps: Step[], store: RankingStore): Promise<void> {
  for (const step of steps) await step(store);
}

describe("batched ranking counts", () => {
  it.each([1, 2, 3, 4, 5])("equal one script per event (seed %i)", async (seed) => {
    const next = random(seed);
    const orders = makeOrders(next, 300);
    const before = liveSteps(
      next,
      orders.filter(() => next() < 0.3),
    );
    const during = liveSteps(
      next,
      orders.filter(() => next() < 0.2),
    );
    const after = liveSteps(
      next,
      orders.filter(() => next() < 0.2),
    );
    const batchSize = 1 + Math.floor(next() * 60);
    const batches = Array.from({ length: Math.ceil(orders.length / batchSize) }, (_, i) =>
      orders.slice(i * batchSize, (i + 1) * batchSize),
    );
    const cancels = (batch: OrderSnapshot[]): Step[] =>
      batch.flatMap((order) =>
        order.items
          .filter((item) => item.status === "CANCELLED")
          .map(
            (item): Step =>
              (store) =>
                store.applyCancel(cancelled(order, item.id), TODAY),
          ),
      );

    // The reference: every order's payment, then its cancelled lines, one script each.
    const one = new RankingStore(redis, new RankingKeys(`one${seed}`), ZONE, clock);
    await run(before, one);
    for (const [index, batch] of batches.entries()) {
      await run(
        [
          ...batch.map(
            (order): Step =>
              (store) =>
                store.applyPaid(paid(order), TODAY),
          ),
          ...cancels(batch),
        ],
        one,
      );
      if (index === 1) await run(during, one);
    }
    await run(after, one);

    // The rebuild: daily keys by batch, live events in between, then the windows as unions.
    const rebuilt = new RankingStore(redis, new RankingKeys(`rebuilt${seed}`), ZONE, clock);
    await run(before, rebuilt);
    for (const [index, batch] of batches.entries()) {
      await Promise.all([rebuilt.applyPaidBatchToDays(batch, TODAY), run(cancels(batch), rebuilt)]);
      if (index === 1) await run(during, rebuilt);
    }
    await rebuilt.unionWindows(TODAY);
    await run(after, rebuilt);

    // Live jobs: payments by batch into every key, as applyPaid counts them.
    const batched = new RankingStore(redis, new RankingKeys(`batched${seed}`), ZONE, clock);
    await run(before, batched);
    for (const [index, batch] of batches.entries()) {
      await batched.applyPaidBatch(batch, TODAY);
      await run(cancels(batch), batched);
      if (index === 1) await run(during, batched);
    }
    await run(after, batched);

    const expected = await readable(new RankingKeys(`one${seed}`));
    expect(expected[`}:w3:${TODAY}`]!.length).toBeGreaterThan(0);
    expect(await readable(new RankingKeys(`rebuilt${seed}`))).toEqual(expected);
    expect(await readable(new RankingKeys(`batched${seed}`))).toEqual(expected);
  });

  it("counts an order once however often its batch is sent, and reports how many it applied", async () => {
    const orders = makeOrders(random(9), 40);
    const store = new RankingStore(redis, new RankingKeys("again"), ZONE, clock);
    const tracked = orders.filter(
      (order) => order.createdAt >= startOfDay(addDays(TODAY, -(MAX_DAYS - 1)), ZONE),
    ).length;
    expect(tracked).toBeLessThan(orders.length);
    expect(await store.applyPaidBatchToDays(orders, TODAY)).toBe(tracked);
    const once = await readable(new RankingKeys("again"));
    expect(await store.applyPaidBatchToDays(orders, TODAY)).toBe(0);
    expect(await store.applyPaidBatch(orders, TODAY)).toEqual({ applied: 0, ahead: 0 });
    expect(await readable(new RankingKeys("again"))).toEqual(once);
  });

  it("sends nothing for orders too old to count", async () => {
    const old = makeOrders(random(3), 50).filter(
      (order) => order.createdAt < startOfDay(addDays(TODAY, -(MAX_DAYS - 1)), ZONE),
    );
    expect(old.length).toBeGreaterThan(0);
    const store = new RankingStore(redis, new RankingKeys("old"), ZONE, clock);
    expect(await store.applyPaidBatch(old, TODAY)).toEqual({ applied: 0, ahead: 0 });
    expect(await readable(new RankingKeys("old"))).toEqual(await readable(new RankingKeys("nothing")));
  });
});
