import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { RowDataPacket } from "mysql2/promise";
import { loadConfig } from "../../src/config/config.js";
import { RankingKeys, addDays, dayOf, startOfDay, windowDays } from "../../src/modules/ranking/ranking.rules.js";
import { QueueName, queuePrefix } from "../../src/queue/queues.js";
import { ratio, type BenchSettings, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";
import { loadPaidOrders } from "./paid-orders.js";
import { differences, scoresOf, soldBetween } from "./ranking-truth.js";

/**
 * Scenario 5, worker drain: N ORDER_PAID events waiting on the queues when the worker starts; how
 * long until the ranking in Redis holds every one of them exactly (the 3-day window equal to the SQL
 * ground truth, product by product) and the data platform has stored every one.
 *
 * The clock starts once the API's relay has put every event on the queues (the starting
 * point is "queued"; the relay's own time is reported apart), when the worker process is spawned.
 * Times are given from the spawn, boot included; the rate the target is about is the drain's, from
 * the first event counted to the last (see below), since a process's boot is no throughput.
 */

const TARGET_EVENTS_PER_SECOND = 5_000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runWorkerDrain(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  const events = settings.quick ? 5_000 : 50_000;
  // The service reads these from the same environment (the harness passes it on).
  const config = loadConfig({ REDIS_PREFIX: process.env.REDIS_PREFIX, RANKING_TIMEZONE: process.env.RANKING_TIMEZONE });
  const timeZone = config.rankingTimezone;
  const keys = new RankingKeys(config.redisPrefix);
  const redis = new Redis(service.redis.url);
  const queues = Object.values(QueueName).map(
    (name) => new Queue(name, { connection: { url: service.redis.url }, prefix: queuePrefix(config.redisPrefix) }),
  );
  const violations: string[] = [];
  const figures: Record<string, number | string> = { events };
  try {
    // A running shop's ranking is built long before: without the marker the worker would start with
    // a rebuild from SQL, and that (not the queue) would be what fills the ranking. With no order in
    // the database yet, an empty ranking is the complete one, so the marker states the truth.
    const [[existing]] = (await service.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM orders")) as [
      RowDataPacket[],
      unknown,
    ];
    if (Number(existing!.n) === 0) await redis.set(keys.built(), new Date().toISOString());
    else
      figures.note = `${Number(existing!.n)} orders were in the database before: the drain includes whatever of theirs is still queued`;

    const loaded = await loadPaidOrders(service.pool, {
      orders: events,
      products: settings.quick ? 200 : 1_000,
      members: 100,
      timeZone,
      tag: "drain",
    });
    figures["load orders s"] = round(loaded.ordersSeconds);
    figures["load outbox s (one transaction)"] = round(loaded.outboxSeconds);

    // The API's relay sweeps every OUTBOX_SWEEP_MS and publishes until nothing is left.
    for (;;) {
      const [[row]] = (await service.pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL",
      )) as [RowDataPacket[], unknown];
      if (Number(row!.n) === 0) break;
      if (Date.now() - loaded.committedAt > 300_000)
        throw new Error(`the relay left ${Number(row!.n)} events unpublished after 300 s`);
      await sleep(100);
    }
    const queuedSeconds = (Date.now() - loaded.committedAt) / 1000;
    figures["relay s to queue all (from commit, incl. up to one sweep interval)"] = round(queuedSeconds);
    figures["relay events/s"] = Math.round(events / queuedSeconds);
    const waiting = await Promise.all(
      queues.map(async (queue) => [queue.name, await queue.getJobCounts("waiting", "prioritized", "delayed")] as const),
    );
    for (const [name, counts] of waiting)
      figures[`${name} jobs waiting at worker start`] = Object.values(counts).reduce((a, b) => a + b, 0);

    // Ground truth: every PAID line of the 3-day window, today included, and each day of it.
    const today = dayOf(new Date(), timeZone);
    const days = windowDays(today, 3);
    const windowStart = startOfDay(days[0]!, timeZone);
    const tomorrow = startOfDay(addDays(today, 1), timeZone);
    const truth = await soldBetween(service.pool, windowStart, tomorrow);
    const [[outboxCount]] = (await service.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM outbox")) as [
      RowDataPacket[],
      unknown,
    ];
    const expectedOnPlatform = Number(outboxCount!.n);

    // The ranking is watched from before the worker is spawned: the last look that still found it
    // empty bounds from below when counting began, so the drain rate excludes the process's boot
    // without crediting it any event (the error is at most one poll interval, against the rate).
    const spawnedAt = Date.now();
    const deadline = spawnedAt + (settings.quick ? 120_000 : 600_000);
    const windowKey = keys.window(3, today);
    const ranking = (async () => {
      let lastEmptyAt = spawnedAt;
      for (;;) {
        const polledAt = Date.now();
        const scores = await scoresOf(redis, windowKey);
        if (scores.size === 0) lastEmptyAt = polledAt;
        else if (differences(truth, scores, 1).length === 0) return { lastEmptyAt, doneAt: Date.now() };
        if (polledAt > deadline) return null;
        await sleep(POLL_MS);
      }
    })();
    const platformUrl = await service.startWorker();
    const readyAt = Date.now();
    figures["worker boot s (spawn to ready)"] = round((readyAt - spawnedAt) / 1000);
    let platformDoneAt: number | null = null;
    while (Date.now() < deadline) {
      const { count } = (await (await fetch(`${platformUrl}/events/count`)).json()) as { count: number };
      if (count >= expectedOnPlatform) {
        platformDoneAt = Date.now();
        break;
      }
      await sleep(POLL_MS);
    }
    const ranked = await ranking;

    if (ranked === null)
      violations.push(
        `the 3-day ranking did not reach the SQL ground truth in time: ${differences(truth, await scoresOf(redis, windowKey)).join("; ")}`,
      );
    if (platformDoneAt === null)
      violations.push(`the data platform did not receive all ${expectedOnPlatform} events in time`);
    const drainRate = ranked === null ? 0 : events / ((ranked.doneAt - ranked.lastEmptyAt) / 1000);
    figures["s to ranking (from worker spawn)"] =
      ranked === null ? "timeout" : round((ranked.doneAt - spawnedAt) / 1000);
    figures["events/s into ranking (from worker spawn)"] =
      ranked === null ? 0 : Math.round(events / ((ranked.doneAt - spawnedAt) / 1000));
    figures["s draining into ranking (first to last event counted)"] =
      ranked === null ? "timeout" : round((ranked.doneAt - ranked.lastEmptyAt) / 1000);
    figures["events/s into ranking (first to last event counted)"] = Math.round(drainRate);
    figures["s until platform has all (from worker spawn)"] =
      platformDoneAt === null ? "timeout" : round((platformDoneAt - spawnedAt) / 1000);
    figures["events/s to platform (from worker spawn)"] =
      platformDoneAt === null ? 0 : Math.round(events / ((platformDoneAt - spawnedAt) / 1000));

    // Exactly once, checked beyond the window key: each daily key equals its day's ground truth.
    for (const day of days) {
      const diff = differences(
        await soldBetween(service.pool, startOfDay(day, timeZone), startOfDay(addDays(day, 1), timeZone)),
        await scoresOf(redis, keys.daily(day)),
      );
      if (diff.length > 0) violations.push(`daily ranking ${day} differs from SQL: ${diff.join("; ")}`);
    }
    // Every event stored by the platform; POSTs beyond one per event are allowed (at least once) and counted.
    const stored = (await (await fetch(`${platformUrl}/events`)).json()) as {
      events: Array<{ eventId: string; deliveries: number; receivedAt: string }>;
    };
    // The platform's own clock (same machine) for its first to last store: its drain rate without the boot.
    const receivedAt = stored.events.map((event) => Date.parse(event.receivedAt));
    const firstStored = receivedAt.reduce((a, b) => Math.min(a, b), Infinity);
    const lastStored = receivedAt.reduce((a, b) => Math.max(a, b), -Infinity);
    if (lastStored > firstStored)
      figures["events/s to platform (first to last stored)"] = Math.round(
        receivedAt.length / ((lastStored - firstStored) / 1000),
      );
    const [outboxIds] = await service.pool.query<RowDataPacket[]>("SELECT event_id FROM outbox");
    const received = new Set(stored.events.map((event) => event.eventId));
    const missing = outboxIds.filter((row) => !received.has(String(row.event_id))).length;
    if (missing > 0) violations.push(`${missing} outbox events never reached the data platform`);
    if (received.size !== stored.events.length || stored.events.length !== outboxIds.length)
      violations.push(`the platform stored ${stored.events.length} events for ${outboxIds.length} outbox rows`);
    figures["platform duplicate POSTs"] = stored.events.reduce((sum, event) => sum + event.deliveries - 1, 0);
    for (const queue of queues) {
      const failed = await queue.getFailedCount();
      if (failed > 0) violations.push(`${failed} jobs failed on queue ${queue.name}`);
    }
    return {
      name: "worker-drain",
      title: `Worker drain: ${events.toLocaleString("en-US")} ORDER_PAID events queued, until the ranking holds all exactly and the platform has all`,
      measurements: [],
      // One worker process; the ratio is its drain rate into the ranking over the 5,000/s.
      ratios: [
        ratio("events/s into the ranking (first to last counted) / 5,000", 1, drainRate / TARGET_EVENTS_PER_SECOND, 1),
      ],
      figures,
      violations,
    };
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
  }
}

const round = (seconds: number): number => Math.round(seconds * 100) / 100;
