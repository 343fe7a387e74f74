import mysql from "mysql2/promise";
import { checkInvariants, stockBaseline } from "../../test/helpers/invariants.js";
import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop } from "../harness/load.js";
import { ratio, type BenchSettings, type Measurement, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";
import { cloneSchema, createBuyers, createProducts } from "./order-fixtures.js";
import { metricSnapshot } from "./service-metrics.js";
import { bareStockUpdate, LockHoldSamples, naiveOrder, type NaiveLine } from "./sql-ceilings.js";

export const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status totalAmount items { id quantity status } }
}`;

export const BUYERS = 64;
const AMPLE_POINTS = 1_000_000_000_000;
const LARGE_STOCK = 50_000_000;

/** A second database beside the service's, with the same tables, where the SQL ceilings write. */
export async function openCeilingDatabase(service: BenchService, suffix: string): Promise<mysql.Pool> {
  const target = `${new URL(service.databaseUrl).pathname.slice(1)}_${suffix}`;
  await cloneSchema(service.databaseUrl, target);
  const url = new URL(service.databaseUrl);
  url.pathname = `/${target}`;
  return mysql.createPool({
    uri: url.toString(),
    connectionLimit: service.dbPoolSize,
    timezone: "Z",
    supportBigNumbers: true,
  });
}

/** What one flash sale measured, for a scenario to report (flash-sale on one server, flash-sale-galera). */
export interface FlashSaleCrowd {
  /** "service", "naive-tx" and, when asked for, "bare-update", at each concurrency. */
  measurements: Measurement[];
  /** Stock row lock held by the service, p50 ms (from its COMMIT batch, timed by the server). */
  serviceLockHeldMs: number;
  /** Stock row lock held by the naive transaction, p50 ms (lock read to COMMIT, timed by the client). */
  naiveLockHeldMs: number;
  sellOut: SellOut;
  /** Stock + units sold per option before the crowd arrived (checkInvariants' baseline). */
  baseline: Map<number, number>;
}

/** A flash sale's buyers and product in the service's database, and their twins where the ceilings write. */
export interface FlashSaleFixtures {
  /** A bearer token per buyer, for buyer `i % BUYERS` of a closed loop's client `i`. */
  tokens: string[];
  /** 1 unit of the one product's one option. */
  line: { productId: number; optionId: number; quantity: number };
  /** The ceilings' database beside the service's (the caller ends it). */
  ceilingPool: mysql.Pool;
  ceilingBuyers: number[];
  ceilingLine: NaiveLine;
  /** Stock + units sold per option before the crowd arrived (checkInvariants' baseline). */
  baseline: Map<number, number>;
}

export async function flashSaleFixtures(service: BenchService): Promise<FlashSaleFixtures> {
  const buyers = await createBuyers(service.pool, BUYERS, AMPLE_POINTS, "flash");
  const [product] = await createProducts(service.pool, 1, 1, LARGE_STOCK, "flash");
  const tokens = await Promise.all(buyers.map((id) => service.tokenFor(id)));
  const ceilingPool = await openCeilingDatabase(service, "flash");
  const ceilingBuyers = await createBuyers(ceilingPool, BUYERS, AMPLE_POINTS, "flash");
  const [ceilingProduct] = await createProducts(ceilingPool, 1, 1, LARGE_STOCK, "flash");
  return {
    tokens,
    line: { productId: product!.productId, optionId: product!.optionIds[0]!, quantity: 1 },
    ceilingPool,
    ceilingBuyers,
    ceilingLine: {
      productId: ceilingProduct!.productId,
      optionId: ceilingProduct!.optionIds[0]!,
      quantity: 1,
      unitPrice: 1_000,
    },
    baseline: await stockBaseline(service.pool),
  };
}

/**
 * Thousands of buyers on one product. Every order takes 1 unit of the same stock row, so that row's
 * lock is the bottleneck and what matters is how briefly an order holds it. At each concurrency: the
 * service, then its ceilings on a database of their own beside the service's (on the same server,
 * or the same writer node); then the sell-out race. The invariants are the caller's to check, as
 * where they must hold (one server, or every node of a cluster) depends on where it ran.
 */
export async function runFlashSaleCrowd(
  service: BenchService,
  settings: BenchSettings,
  { bareUpdate }: { bareUpdate: boolean },
): Promise<FlashSaleCrowd> {
  const { tokens, line, ceilingPool, ceilingBuyers, ceilingLine, baseline } = await flashSaleFixtures(service);
  const client = new GraphqlHttp(service.urls);
  const holds = new LockHoldSamples();
  const measurements: Measurement[] = [];
  const run = { concurrency: 0, durationMs: settings.durationMs, warmupMs: settings.warmupMs };

  const metricsBefore = await metricSnapshot(service.url);
  try {
    for (const concurrency of settings.concurrencies) {
      run.concurrency = concurrency;
      measurements.push({
        series: "service",
        ...(await closedLoop({
          ...run,
          cpu: service.cpuReaders(),
          op: (id) => client.outcome(PLACE_ORDER, { input: { items: [line] } }, tokens[id % BUYERS]),
        })),
      });
      measurements.push({
        series: "naive-tx",
        ...(await closedLoop({
          ...run,
          op: (id) =>
            naiveOrder(
              ceilingPool,
              ceilingBuyers[id % BUYERS]!,
              [ceilingLine],
              concurrency === settings.concurrencies.at(-1) ? holds : undefined,
            ),
        })),
      });
      if (bareUpdate) {
        measurements.push({
          series: "bare-update",
          ...(await closedLoop({ ...run, op: () => bareStockUpdate(ceilingPool, ceilingLine.optionId) })),
        });
      }
    }
    const metricsAfter = await metricSnapshot(service.url);
    const sellOut = await sellOutRace(service, client, tokens, settings.quick ? 500 : 3_000);
    return {
      measurements,
      serviceLockHeldMs: metricsAfter.histogramP50("db_commit_batch_lock_held_seconds", metricsBefore) * 1000,
      naiveLockHeldMs: holds.p50(),
      sellOut,
      baseline,
    };
  } finally {
    client.close();
    await ceilingPool.end();
  }
}

/**
 * The figures every flash sale reports, whichever database it ran on. `serverTimingWrong`: why the
 * server's timing of the service's lock (db_commit_batch_lock_held_seconds) is not to be believed on
 * this database; the figure then says so, with what it read, rather than passing it for a measurement.
 */
export function flashSaleFigures(crowd: FlashSaleCrowd, serverTimingWrong?: string): Record<string, number | string> {
  return {
    "stock row lock held, service p50 ms (timed by the server)":
      serverTimingWrong === undefined
        ? crowd.serviceLockHeldMs
        : `not measured: ${serverTimingWrong} (it read ${crowd.serviceLockHeldMs.toFixed(3)})`,
    "stock row lock held, naive p50 ms (lock read to COMMIT, timed by the client)": crowd.naiveLockHeldMs,
    "sell-out: stock": crowd.sellOut.stock,
    "sell-out: orders placed": crowd.sellOut.placed,
    "sell-out: refused INSUFFICIENT_STOCK": crowd.sellOut.refused,
  };
}

/** Scenario 1: the flash sale on the one MariaDB server, against the naive transaction and the bare UPDATE. */
export async function runFlashSale(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  const crowd = await runFlashSaleCrowd(service, settings, { bareUpdate: true });
  const violations = [...(await checkInvariants(service.pool, crowd.baseline)), ...crowd.sellOut.violations];
  const top = settings.concurrencies.at(-1)!;
  const at = (series: string) => crowd.measurements.find((m) => m.series === series && m.concurrency === top)!;
  return {
    name: "flash-sale",
    title: "Flash sale: one hot stock row, placeOrder of 1 unit",
    measurements: crowd.measurements,
    ratios: [
      ratio("placeOrder / naive transaction", top, at("service").opsPerSec / at("naive-tx").opsPerSec, 2),
      ratio("placeOrder / bare autocommit UPDATE", top, at("service").opsPerSec / at("bare-update").opsPerSec, 0.5),
    ],
    figures: flashSaleFigures(crowd),
    violations,
  };
}

interface SellOut {
  stock: number;
  placed: number;
  refused: number;
  violations: string[];
}

/**
 * No oversell under the same crowd: a product with `stock` units, every buyer ordering until told
 * INSUFFICIENT_STOCK. Exactly `stock` orders must succeed and the row must end at zero.
 */
async function sellOutRace(
  service: BenchService,
  client: GraphqlHttp,
  tokens: string[],
  stock: number,
): Promise<SellOut> {
  const [product] = await createProducts(service.pool, 1, 1, stock, "sellout");
  const line = { productId: product!.productId, optionId: product!.optionIds[0]!, quantity: 1 };
  let placed = 0;
  let refused = 0;
  const other: string[] = [];
  await Promise.all(
    tokens.map(async (token) => {
      for (;;) {
        const outcome = await client.outcome(PLACE_ORDER, { input: { items: [line] } }, token);
        if (outcome === null) placed += 1;
        else if (outcome === "INSUFFICIENT_STOCK") {
          refused += 1;
          return;
        } else {
          other.push(outcome);
          if (other.length > 1_000) return; // something else is wrong: reported below, not looped on
        }
      }
    }),
  );
  const [[row]] = (await service.pool.query<mysql.RowDataPacket[]>("SELECT quantity FROM stock WHERE option_id = ?", [
    line.optionId,
  ])) as [mysql.RowDataPacket[], unknown];
  const violations: string[] = [];
  if (placed !== stock) violations.push(`sell-out: ${placed} orders placed for ${stock} units`);
  if (Number(row!.quantity) !== 0) violations.push(`sell-out: ${row!.quantity} units left after the race`);
  if (other.length > 0) violations.push(`sell-out: unexpected errors ${[...new Set(other)].join(", ")}`);
  return { stock, placed, refused, violations };
}
