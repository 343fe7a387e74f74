import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { RankingKeys, dayOf } from "../../src/modules/ranking/ranking.rules.js";
import { RankingStore } from "../../src/modules/ranking/ranking.store.js";
import { RateLimitKeys } from "../../src/modules/rate-limit/rate-limit.rules.js";
import { RateLimiter } from "../../src/modules/rate-limit/rate-limiter.js";
import { orderEvent, type OrderSnapshot } from "../../src/outbox/order-event.js";
import { PrivateRedis } from "../helpers/private-redis.js";
import { TEST_ZONE, TODAY, noonClock } from "../helpers/test-day.js";
import { rejectionOf } from "../helpers/thrown.js";

/**
 * The Lua scripts are ioredis custom commands (defineCommand): sent by EVALSHA, and sent again as
 * source when Redis no longer has them (NOSCRIPT: a restart, a failover, SCRIPT FLUSH). On a Redis
 * of this file's own, since SCRIPT FLUSH empties the cache of every client of the server.
 */
let server: PrivateRedis;
let redis: Redis;
const clock = noonClock();

beforeAll(async () => {
  server = await PrivateRedis.start();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis.disconnect();
  await server.kill();
});

function order(id: number, productId: number, quantity: number): OrderSnapshot {
  return {
    id,
    memberId: 1,
    totalAmount: 0,
    createdAt: clock.now(),
    items: [{ id, productId, optionId: 1, quantity, unitPrice: 100, status: "PAID" }],
  };
}

const paid = (snapshot: OrderSnapshot) => orderEvent("ORDER_PAID", `paid-${snapshot.id}`, snapshot.createdAt, snapshot);

describe("Lua scripts as ioredis commands", () => {
  it("count and read the ranking again after SCRIPT FLUSH (NOSCRIPT)", async () => {
    expect(dayOf(clock.now(), TEST_ZONE)).toBe(TODAY);
    const store = new RankingStore(redis, new RankingKeys("flushed"), TEST_ZONE, clock);
    await store.markBuilt(clock.now());
    expect(await store.applyPaid(paid(order(1, 7, 2)), TODAY)).toBe("applied");
    expect(await store.top(1, 5, TODAY)).toEqual([{ productId: 7, soldQuantity: 2 }]);

    expect(await cachedScripts()).toBeGreaterThan(0);
    expect(await redis.script("FLUSH")).toBe("OK");
    expect(await cachedScripts()).toBe(0);

    expect(await store.applyPaid(paid(order(2, 7, 3)), TODAY)).toBe("applied");
    expect(await store.applyPaid(paid(order(2, 7, 3)), TODAY)).toBe("duplicate");
    expect(
      await store.applyPaidBatch(
        [{ id: 3, createdAt: clock.now(), items: [{ id: 3, productId: 8, quantity: 1 }] }],
        TODAY,
      ),
    ).toEqual({ applied: 1, ahead: 0 });
    expect(await store.top(1, 5, TODAY)).toEqual([
      { productId: 7, soldQuantity: 5 },
      { productId: 8, soldQuantity: 1 },
    ]);
    expect(await cachedScripts()).toBeGreaterThan(0);
  });

  it("limit again after SCRIPT FLUSH (NOSCRIPT)", async () => {
    const limiter = new RateLimiter(
      redis,
      new RateLimitKeys("flushed"),
      {
        mutationBurst: 2,
        mutationsPerSecond: 0.001,
        mutationLeaseMs: 1_000,
        loginFailuresPerId: 1,
        loginFailuresPerIp: 100,
        loginWindowSeconds: 60,
        signUpsPerIp: 1,
        signUpWindowSeconds: 60,
      },
      clock,
      createLogger("silent"),
    );
    // The limiter fails open when a script errors: a refusal after the flush proves the script ran.
    await limiter.takeMutations(1, 1);
    await limiter.takeSignUp("192.0.2.1");
    await limiter.takeLoginAttempt("flushed", "192.0.2.1");
    await redis.script("FLUSH");
    await limiter.takeMutations(1, 1);
    expect(await rejectionOf(limiter.takeMutations(1, 1))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await rejectionOf(limiter.takeSignUp("192.0.2.1"))).toMatchObject({ code: "RATE_LIMITED" });
    expect(await rejectionOf(limiter.takeLoginAttempt("flushed", "192.0.2.1"))).toMatchObject({ code: "RATE_LIMITED" });
    await redis.script("FLUSH");
    await limiter.returnLoginAttempt("flushed", "192.0.2.1");
    await limiter.takeLoginAttempt("flushed", "192.0.2.1");
  });
});

/** How many scripts the server holds in its cache (INFO memory). */
async function cachedScripts(): Promise<number> {
  const info = await redis.info("memory");
  const match = /^number_of_cached_scripts:(\d+)/m.exec(info);
  if (!match) throw new Error("INFO memory has no number_of_cached_scripts");
  return Number(match[1]);
}
