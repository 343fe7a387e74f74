/**
 * `npm run bench:ranking`: popularProducts' Redis side at 100,000 products.
 *
 * Loads three days of sales over 100,000 products into a private redis-server through the same Lua
 * scripts the worker runs, then, under a steady stream of new events, measures the read the API does
 * (one script: ZREVRANGE of a maintained key) against the naive read it replaces (ZUNIONSTORE of the
 * daily keys on every request), and reads Redis's SLOWLOG for any ranking command over 20 ms.
 * Ratios, not absolute numbers, are what carry over to another machine.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { orderEvent } from "../src/outbox/order-event.js";
import { repositoryRoot } from "../src/process/paths.js";
import { RankingKeys, dayOf, startOfDay, windowDays } from "../src/modules/ranking/ranking.rules.js";
import { RankingStore } from "../src/modules/ranking/ranking.store.js";
import { systemClock } from "../src/shared/clock.js";
import { PrivateRedis } from "../test/helpers/private-redis.js";

const QUICK = process.env.BENCH_QUICK === "1";
const PRODUCTS = QUICK ? 10_000 : 100_000;
const EVENTS_PER_DAY = QUICK ? 20_000 : 120_000;
const READS = QUICK ? 300 : 2_000;
const ZONE = "UTC";

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function timeEach(
  count: number,
  work: () => Promise<unknown>,
): Promise<{ p50: number; p99: number; max: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), max: samples.at(-1)! };
}

let nextOrderId = 1;
function paidEvent(productId: number, quantity: number, at: Date) {
  const id = nextOrderId++;
  return orderEvent("ORDER_PAID", `bench-${id}`, at, {
    id,
    memberId: 1,
    totalAmount: quantity * 100,
    createdAt: at,
    items: [{ id, productId, optionId: productId, quantity, unitPrice: 100, status: "PAID" }],
  });
}

/** A skewed product choice: a few best sellers, a long tail, every product sold somewhere. */
const pickProduct = (): number => 1 + Math.floor(Math.random() ** 3 * PRODUCTS);

const server = await PrivateRedis.start();
const redis = new Redis(server.url);
// As in production, the worker writes on its connection and the API reads on its own.
const apiRedis = new Redis(server.url);
try {
  const store = new RankingStore(redis, new RankingKeys("bench"), ZONE, systemClock);
  const reader = new RankingStore(apiRedis, new RankingKeys("bench"), ZONE, systemClock);
  const today = dayOf(new Date(), ZONE);
  const days = windowDays(today, 3);

  const loadStarted = performance.now();
  for (const day of days) {
    const dayStart = startOfDay(day, ZONE).getTime();
    for (let i = 0; i < EVENTS_PER_DAY; i += 2_000) {
      await Promise.all(
        Array.from({ length: 2_000 }, (_, j) => {
          // Every product sells at least once a day, so each daily key holds all of them.
          const productId = i + j < PRODUCTS ? i + j + 1 : pickProduct();
          return store.applyPaid(
            paidEvent(productId, 1 + Math.floor(Math.random() * 3), new Date(dayStart + 3_600_000)),
            today,
          );
        }),
      );
    }
  }
  const loadMs = performance.now() - loadStarted;
  await store.markBuilt(new Date());
  const cardinality = await redis.zcard(new RankingKeys("bench").window(3, today));

  await redis.config("SET", "slowlog-log-slower-than", "20000");
  await redis.slowlog("RESET");

  // A steady stream of new orders, from another process, while the reads are measured.
  const stream = spawn(process.execPath, ["--import", "@swc-node/register/esm-register", "bench/ranking-stream.ts"], {
    cwd: repositoryRoot(),
    env: { ...process.env, REDIS_URL: server.url, PRODUCTS: String(PRODUCTS) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let streamOutput = "";
  stream.stdout.on("data", (chunk: Buffer) => (streamOutput += chunk.toString()));
  const streamEnded = new Promise((resolve) => stream.once("exit", resolve));
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // let it get going
  const streamStarted = performance.now();
  const top3 = await timeEach(READS, () => reader.top(3, 5, today));
  const top1 = await timeEach(READS, () => reader.top(1, 5, today));
  const union7Cold = await timeEach(1, () => reader.top(7, 5, today));
  const streamSeconds = (performance.now() - streamStarted) / 1000 + 1.5;
  stream.kill("SIGTERM");
  await streamEnded;
  const streamRate =
    (JSON.parse(streamOutput.trim() || '{"applied":0}') as { applied: number }).applied / streamSeconds;
  const slow = (await redis.slowlog("GET", 128)) as Array<[number, number, number, string[]]>;

  // The read this design replaces: a union of the three daily keys on every request.
  const naiveKey = "bench:{ranking}:naive";
  const dailyKeys = days.map((day) => new RankingKeys("bench").daily(day));
  const naive = await timeEach(QUICK ? 5 : 20, async () => {
    await apiRedis.zunionstore(naiveKey, dailyKeys.length, ...dailyKeys);
    return apiRedis.zrevrange(naiveKey, 0, 4, "WITHSCORES");
  });

  const result = {
    machine: `${process.platform} ${process.arch}, node ${process.version}`,
    products: PRODUCTS,
    windowCardinality: cardinality,
    loadedEvents: EVENTS_PER_DAY * 3,
    loadEventsPerSecond: Math.round((EVENTS_PER_DAY * 3) / (loadMs / 1000)),
    streamEventsPerSecondDuringReads: Math.round(streamRate),
    popular3Days: top3,
    popular1Day: top1,
    popular7DaysColdUnionMs: union7Cold.max,
    naiveUnionPerRequest: naive,
    speedupP50: naive.p50 / top3.p50,
    rankingCommandsOver20ms: slow.map((entry) => ({ micros: entry[2], command: entry[3].slice(0, 2).join(" ") })),
  };
  const table = [
    ["read", "p50 ms", "p99 ms", "max ms"],
    ["popularProducts(days: 3) script", top3.p50, top3.p99, top3.max],
    ["popularProducts(days: 1) script", top1.p50, top1.p99, top1.max],
    ["naive ZUNIONSTORE per request", naive.p50, naive.p99, naive.max],
  ];
  console.log(
    `ranking at ${PRODUCTS} products (${cardinality} in the 3-day window), ${result.streamEventsPerSecondDuringReads} events/s streaming meanwhile`,
  );
  for (const row of table)
    console.log(row.map((cell) => (typeof cell === "number" ? cell.toFixed(3) : cell).padEnd(34)).join(""));
  console.log(
    `maintained window is ${result.speedupP50.toFixed(0)}x faster at p50; cold 7-day union: ${result.popular7DaysColdUnionMs.toFixed(1)} ms`,
  );
  console.log(`ranking commands over 20 ms while streaming: ${result.rankingCommandsOver20ms.length}`);
  const out = path.join(repositoryRoot(), "bench", "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, QUICK ? "ranking-quick.json" : "ranking.json"), JSON.stringify(result, null, 2) + "\n");
} finally {
  redis.disconnect();
  apiRedis.disconnect();
  await server.kill();
}
