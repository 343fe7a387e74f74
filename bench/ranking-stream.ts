/**
 * A steady stream of ORDER_PAID events through the worker's Lua script, in a process of its own so
 * that the reads measured by ranking.bench.ts do not share an event loop with it. Runs until killed;
 * prints how many events it applied when it gets SIGTERM.
 */
import { Redis } from "ioredis";
import { orderEvent } from "../src/outbox/order-event.js";
import { RankingKeys, dayOf } from "../src/modules/ranking/ranking.rules.js";
import { RankingStore } from "../src/modules/ranking/ranking.store.js";
import { systemClock } from "../src/shared/clock.js";

const redis = new Redis(process.env.REDIS_URL!);
const products = Number(process.env.PRODUCTS);
const store = new RankingStore(redis, new RankingKeys("bench"), "UTC", systemClock);
let applied = 0;
let nextOrderId = 10_000_000_000;
process.on("SIGTERM", () => {
  process.stdout.write(JSON.stringify({ applied }) + "\n", () => process.exit(0));
});
for (;;) {
  const now = new Date();
  const today = dayOf(now, "UTC");
  await Promise.all(
    Array.from({ length: 32 }, () => {
      const id = nextOrderId++;
      const productId = 1 + Math.floor(Math.random() ** 3 * products);
      return store.applyPaid(
        orderEvent("ORDER_PAID", `s-${id}`, now, {
          id,
          memberId: 1,
          totalAmount: 100,
          createdAt: now,
          items: [{ id, productId, optionId: productId, quantity: 1, unitPrice: 100, status: "PAID" }],
        }),
        today,
      );
    }),
  );
  applied += 32;
}
