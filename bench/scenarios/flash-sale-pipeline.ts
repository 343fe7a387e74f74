import { Redis } from "ioredis";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { loadConfig } from "../../src/config/config.js";
import { RankingKeys, addDays, dayOf, startOfDay } from "../../src/modules/ranking/ranking.rules.js";
import { checkInvariants } from "../../test/helpers/invariants.js";
import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop, percentile } from "../harness/load.js";
import { ratio, type BenchSettings, type Measurement, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";
import { BUYERS, PLACE_ORDER, flashSaleFixtures } from "./flash-sale.js";
import { differences, scoresOf, soldBetween } from "./ranking-truth.js";
import { naiveOrder } from "./sql-ceilings.js";

/**
 * The flash sale in the production layout: the API and the worker as separate processes, the data
 * platform receiving, every order's ORDER_PAID event counted into the ranking and delivered while
 * the crowd buys. The question is whether the whole system keeps up, not the API alone:
 *
 * - orders/s against the naive transaction (which causes no events), with the worker running;
 * - each consumer's lag, per event, from the order's occurredAt to its confirmation in the outbox
 *   (`ranking_delivered_at`, `data_platform_delivered_at`: written by the worker as the ranking
 *   counted it or the platform answered 2xx), for the orders placed inside the measured window;
 * - the backlog (outbox rows a consumer has not confirmed) when the window opens and closes, and
 *   when the load stops, with how long the worker then takes to clear it.
 */

const LAG_TARGET_MS = 1_000;
const DRAIN_TIMEOUT_MS = 300_000;

const FLASH_SALE_PIPELINE_TITLE =
  "Flash sale with the pipeline: API and worker processes, data platform receiving, 1 unit of one product";

/** Outbox rows at least one consumer has not confirmed. */
async function backlog(pool: Pool): Promise<number> {
  const [[row]] = (await pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM outbox WHERE ranking_delivered_at IS NULL OR data_platform_delivered_at IS NULL",
  )) as [RowDataPacket[], unknown];
  return Number(row!.n);
}

interface Lags {
  events: number;
  rankingMs: number[];
  platformMs: number[];
}

/** Each event's lag behind its order, per consumer, for the events that happened in [from, to). */
async function lagsBetween(pool: Pool, from: Date, to: Date): Promise<Lags> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT TIMESTAMPDIFF(MICROSECOND, occurred_at, ranking_delivered_at) AS ranking_us,
            TIMESTAMPDIFF(MICROSECOND, occurred_at, data_platform_delivered_at) AS platform_us
       FROM outbox WHERE occurred_at >= ? AND occurred_at < ?`,
    [from, to],
  );
  const sorted = (column: string) =>
    rows
      .map((row) => Number(row[column]) / 1000)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
  return { events: rows.length, rankingMs: sorted("ranking_us"), platformMs: sorted("platform_us") };
}

/** Polls until no outbox row is owed to a consumer; the milliseconds it took. */
async function waitUntilDrained(pool: Pool): Promise<number> {
  const started = Date.now();
  while ((await backlog(pool)) > 0) {
    if (Date.now() - started > DRAIN_TIMEOUT_MS)
      throw new Error(`the worker left ${await backlog(pool)} events owed ${DRAIN_TIMEOUT_MS} ms after the load`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

/** What the pipeline did with one concurrency's window of orders. */
interface PipelineWindow {
  lags: Lags;
  backlogAtWindowStart: number;
  backlogAtWindowEnd: number;
  backlogAtLoadStop: number;
  drainMs: number;
}

export async function runFlashSalePipeline(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  const config = loadConfig({ REDIS_PREFIX: process.env.REDIS_PREFIX, RANKING_TIMEZONE: process.env.RANKING_TIMEZONE });
  const keys = new RankingKeys(config.redisPrefix);
  const redis = new Redis(service.redis.url);
  // A running shop's ranking was built long before the sale: without the marker the worker would
  // begin with a rebuild (into a generation of its own). The database holds no order yet, so an
  // empty ranking is the complete one and the marker states the truth.
  await redis.set(keys.built(), new Date().toISOString());
  const platformUrl = await service.startWorker();
  const { tokens, line, ceilingPool, ceilingBuyers, ceilingLine, baseline } = await flashSaleFixtures(service);
  const client = new GraphqlHttp(service.urls);
  const measurements: Measurement[] = [];
  const windows = new Map<number, PipelineWindow>();
  const firstDay = dayOf(new Date(), config.rankingTimezone);
  try {
    for (const concurrency of settings.concurrencies) {
      const run = { concurrency, durationMs: settings.durationMs, warmupMs: settings.warmupMs };
      const windowStart = Date.now() + run.warmupMs;
      const windowEnd = windowStart + run.durationMs;
      const atWindowStart = delayed(run.warmupMs, () => backlog(service.pool));
      const atWindowEnd = delayed(run.warmupMs + run.durationMs, () => backlog(service.pool));
      measurements.push({
        series: "service",
        ...(await closedLoop({
          ...run,
          cpu: service.cpuReaders(),
          op: (id) => client.outcome(PLACE_ORDER, { input: { items: [line] } }, tokens[id % BUYERS]),
        })),
      });
      const backlogAtLoadStop = await backlog(service.pool);
      const drainMs = await waitUntilDrained(service.pool);
      windows.set(concurrency, {
        lags: await lagsBetween(service.pool, new Date(windowStart), new Date(windowEnd)),
        backlogAtWindowStart: await atWindowStart,
        backlogAtWindowEnd: await atWindowEnd,
        backlogAtLoadStop,
        drainMs,
      });
      measurements.push({
        series: "naive-tx",
        ...(await closedLoop({
          ...run,
          op: (id) => naiveOrder(ceilingPool, ceilingBuyers[id % BUYERS]!, [ceilingLine]),
        })),
      });
    }

    const violations = [
      ...(await checkInvariants(service.pool, baseline)),
      ...(await rankingViolations(service.pool, redis, keys, firstDay, config)),
      ...(await platformViolations(service.pool, platformUrl)),
    ];
    const top = settings.concurrencies.at(-1)!;
    const at = (series: string) => measurements.find((m) => m.series === series && m.concurrency === top)!;
    const topWindow = windows.get(top)!;
    const p99 = (sorted: number[]) => percentile(sorted, 0.99);
    return {
      name: "flash-sale-pipeline",
      title: FLASH_SALE_PIPELINE_TITLE,
      measurements,
      ratios: [
        ratio(
          "placeOrder with the worker running / naive transaction",
          top,
          at("service").opsPerSec / at("naive-tx").opsPerSec,
          2,
        ),
        ratio("1 s / ranking lag p99", top, LAG_TARGET_MS / p99(topWindow.lags.rankingMs), 1),
        ratio("1 s / data platform lag p99", top, LAG_TARGET_MS / p99(topWindow.lags.platformMs), 1),
      ],
      figures: pipelineFigures(windows, settings.durationMs),
      violations,
    };
  } finally {
    client.close();
    redis.disconnect();
    await ceilingPool.end();
  }
}

/** Runs `read` after `ms`, alongside whatever the caller does meanwhile. */
async function delayed<T>(ms: number, read: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return read();
}

function pipelineFigures(windows: Map<number, PipelineWindow>, durationMs: number): Record<string, number | string> {
  const figures: Record<string, number | string> = {};
  const ms = (value: number) => Math.round(value * 10) / 10;
  for (const [concurrency, window] of windows) {
    const { lags } = window;
    const at = `@${concurrency}`;
    figures[`events in the window ${at}`] = lags.events;
    figures[`ranking lag p50 / p99 ms ${at}`] =
      `${ms(percentile(lags.rankingMs, 0.5))} / ${ms(percentile(lags.rankingMs, 0.99))}`;
    figures[`data platform lag p50 / p99 ms ${at}`] =
      `${ms(percentile(lags.platformMs, 0.5))} / ${ms(percentile(lags.platformMs, 0.99))}`;
    figures[`backlog at window start / end ${at}`] = `${window.backlogAtWindowStart} / ${window.backlogAtWindowEnd}`;
    figures[`backlog growth, events/s ${at}`] =
      Math.round(((window.backlogAtWindowEnd - window.backlogAtWindowStart) / durationMs) * 1000 * 10) / 10;
    figures[`backlog when the load stopped ${at}`] = window.backlogAtLoadStop;
    figures[`s to clear it ${at}`] = Math.round(window.drainMs / 10) / 100;
  }
  return figures;
}

/** The ranking counted every order once: each day's key against SQL, the days the run spanned. */
async function rankingViolations(
  pool: Pool,
  redis: Redis,
  keys: RankingKeys,
  firstDay: string,
  config: { rankingTimezone: string },
): Promise<string[]> {
  const violations: string[] = [];
  const lastDay = dayOf(new Date(), config.rankingTimezone);
  for (let day = firstDay; day <= lastDay; day = addDays(day, 1)) {
    const truth = await soldBetween(
      pool,
      startOfDay(day, config.rankingTimezone),
      startOfDay(addDays(day, 1), config.rankingTimezone),
    );
    const diff = differences(truth, await scoresOf(redis, keys.daily(day)));
    if (diff.length > 0) violations.push(`daily ranking ${day} differs from SQL: ${diff.join("; ")}`);
  }
  return violations;
}

/** The platform stored every outbox event exactly once (duplicate POSTs allowed, duplicate rows not). */
async function platformViolations(pool: Pool, platformUrl: string): Promise<string[]> {
  const stored = (await (await fetch(`${platformUrl}/events/count`)).json()) as { count: number };
  const [[row]] = (await pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM outbox")) as [RowDataPacket[], unknown];
  return stored.count === Number(row!.n)
    ? []
    : [`the data platform stored ${stored.count} events for ${Number(row!.n)} outbox rows`];
}
