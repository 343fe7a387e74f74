import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RankingService } from "../../src/modules/ranking/ranking.service.js";
import { UncountableEventError } from "../../src/modules/ranking/ranking.store.js";
import { addDays, startOfDay } from "../../src/modules/ranking/ranking.rules.js";
import { orderEvent, type OrderEvent, type OrderSnapshot } from "../../src/outbox/order-event.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { seededRandom as random } from "../helpers/seeded-random.js";
import { rejectionOf } from "../helpers/thrown.js";
import { TEST_ZONE, TODAY, instantIn, noonClock } from "../helpers/test-day.js";

/**
 * The worker counts ranking jobs of many events at once (RankingService.applyEvents): payments in
 * one script, cancellations beside them. Whatever the batches hold, in whatever order, however often
 * they are retried, the ranking must be what counting each event once gives.
 */
const ZONE = TEST_ZONE;
const clock = noonClock();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp("ranking_batches", { RANKING_TIMEZONE: ZONE }, { clock });
  // A complete (empty) ranking: the answers below must come from Redis, not the SQL fallback.
  await app.redis.set(`${app.config.redisPrefix}:{ranking}:built`, clock.now().toISOString());
});

afterAll(async () => {
  await app.close();
});

/** Orders over the last `days` days (today included) and cancellations of some of their lines, with what they should leave. */
function history(next: () => number, orders: number, days: number) {
  const events: OrderEvent[] = [];
  const cancelled = new Set<number>();
  const lines: Array<{ day: number; productId: number; quantity: number; itemId: number }> = [];
  for (let id = 1; id <= orders; id += 1) {
    const day = Math.floor(next() * days);
    const paidAt = instantIn(addDays(TODAY, -day), next());
    const items = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, index) => ({
      id: id * 10 + index,
      productId: 1 + Math.floor(next() * 12),
      optionId: 1,
      quantity: 1 + Math.floor(next() * 4),
      unitPrice: 100,
      status: "PAID" as const,
    }));
    const order: OrderSnapshot = { id, memberId: 1, totalAmount: 0, createdAt: paidAt, items };
    events.push(orderEvent("ORDER_PAID", `paid-${id}`, paidAt, order));
    for (const item of items) {
      lines.push({ day, productId: item.productId, quantity: item.quantity, itemId: item.id });
      if (next() < 0.2) {
        cancelled.add(item.id);
        events.push(orderEvent("ORDER_ITEM_CANCELLED", `cancel-${item.id}`, clock.now(), order, item.id));
      }
    }
  }
  /** Units per product over the last `window` days, as popularProducts ranks them. */
  const expected = (window: number) => {
    const sold = new Map<number, number>();
    for (const line of lines) {
      if (line.day < window && !cancelled.has(line.itemId))
        sold.set(line.productId, (sold.get(line.productId) ?? 0) + line.quantity);
    }
    return [...sold]
      .map(([productId, soldQuantity]) => ({ productId, soldQuantity }))
      .sort((a, b) => b.soldQuantity - a.soldQuantity || a.productId - b.productId);
  };
  return { events, expected };
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe(`${RankingService.name}.applyEvents`, () => {
  it("counts shuffled batches, duplicates and retries included, as each event counted once", async () => {
    const next = random(20261124);
    // Eight days: the oldest is outside every window and must count nowhere.
    const { events, expected } = history(next, 300, 8);
    // Cancellations land before or after their payments, in the same batch or another one; a
    // tenth of the events come twice; then every batch is retried.
    const delivered = shuffled([...events, ...events.filter(() => next() < 0.1)], next);
    const batches = Array.from({ length: Math.ceil(delivered.length / 37) }, (_, index) =>
      delivered.slice(index * 37, (index + 1) * 37),
    );
    const applied = await Promise.all(batches.map((batch) => app.services.ranking.applyEvents(batch)));
    for (const batch of batches) expect(await app.services.ranking.applyEvents(batch)).toBe(0);

    // Every tracked payment and every cancellation of a tracked line counted exactly once.
    const tracked = events.filter((event) => event.order.paidAt >= startOfDay(addDays(TODAY, -6), ZONE).toISOString());
    expect(applied.reduce((sum, count) => sum + count, 0)).toBe(tracked.length);
    for (const days of [1, 3, 7]) expect(await app.services.ranking.popular(days, 20)).toEqual(expected(days));
  });

  it("counts the rest of a batch before failing on an event it cannot apply, and counts nothing twice on the retry", async () => {
    const order: OrderSnapshot = {
      id: 9_001,
      memberId: 1,
      totalAmount: 0,
      createdAt: clock.now(),
      items: [{ id: 90_010, productId: 99, optionId: 1, quantity: 5, unitPrice: 100, status: "PAID" }],
    };
    const paid = orderEvent("ORDER_PAID", "paid-9001", clock.now(), order);
    const broken = {
      ...orderEvent("ORDER_ITEM_CANCELLED", "cancel-none", clock.now(), order, 90_010),
      orderItemId: "123456",
    };
    const soldOf99 = async () =>
      (await app.services.ranking.popular(1, 20)).find((entry) => entry.productId === 99)?.soldQuantity;

    await expect(app.services.ranking.applyEvents([broken, paid])).rejects.toThrow("which its order does not hold");
    expect(await soldOf99()).toBe(5);
    // No retry can count it: the error names it, for the worker to give up on it alone.
    const error = await rejectionOf(app.services.ranking.applyEvents([broken, paid]));
    expect(error).toBeInstanceOf(UncountableEventError);
    expect((error as UncountableEventError).eventIds).toEqual(["cancel-none"]);
    expect(await soldOf99()).toBe(5);
  });
});
