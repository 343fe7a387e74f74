import { checkInvariants, stockBaseline } from "../../test/helpers/invariants.js";
import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop } from "../harness/load.js";
import { ratio, type BenchSettings, type Measurement, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";
import { openCeilingDatabase, PLACE_ORDER } from "./flash-sale.js";
import { createBuyers, createProducts, type BenchProduct } from "./order-fixtures.js";
import { naiveOrder } from "./sql-ceilings.js";

const BUYERS = 64;
const PRODUCTS = 1_000;
const LINES = 3;
const AMPLE_POINTS = 1_000_000_000_000;
const STOCK = 20_000_000;

/** Three distinct products picked at random: the lines of one order. */
function pickLines(products: readonly BenchProduct[]): BenchProduct[] {
  const picked = new Set<number>();
  while (picked.size < LINES) picked.add(Math.floor(Math.random() * products.length));
  return [...picked].map((index) => products[index]!);
}

/**
 * Scenario 2: ordinary traffic. Orders of three lines spread over 1,000 products, so rows rarely
 * collide and the cost per order (round trips, CPU in the API and in the database) is what counts.
 */
export async function runSpreadOrders(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  const buyers = await createBuyers(service.pool, BUYERS, AMPLE_POINTS, "spread");
  const products = await createProducts(service.pool, PRODUCTS, 1, STOCK, "spread");
  const tokens = await Promise.all(buyers.map((id) => service.tokenFor(id)));
  const ceilingPool = await openCeilingDatabase(service, "spread");
  const ceilingBuyers = await createBuyers(ceilingPool, BUYERS, AMPLE_POINTS, "spread");
  const ceilingProducts = await createProducts(ceilingPool, PRODUCTS, 1, STOCK, "spread");
  const baseline = await stockBaseline(service.pool);
  const client = new GraphqlHttp(service.urls);
  const measurements: Measurement[] = [];
  try {
    for (const concurrency of settings.concurrencies) {
      const run = { concurrency, durationMs: settings.durationMs, warmupMs: settings.warmupMs };
      measurements.push({
        series: "service",
        ...(await closedLoop({
          ...run,
          cpu: service.cpuReaders(),
          op: (id) => {
            const items = pickLines(products).map((product) => ({
              productId: product.productId,
              optionId: product.optionIds[0]!,
              quantity: 1,
            }));
            return client.outcome(PLACE_ORDER, { input: { items } }, tokens[id % BUYERS]);
          },
        })),
      });
      measurements.push({
        series: "naive-tx",
        ...(await closedLoop({
          ...run,
          op: (id) => {
            const lines = pickLines(ceilingProducts).map((product) => ({
              productId: product.productId,
              optionId: product.optionIds[0]!,
              quantity: 1,
              unitPrice: 1_000,
            }));
            return naiveOrder(ceilingPool, ceilingBuyers[id % BUYERS]!, lines);
          },
        })),
      });
    }
    const top = settings.concurrencies.at(-1)!;
    const at = (series: string) => measurements.find((m) => m.series === series && m.concurrency === top)!;
    return {
      name: "spread-orders",
      title: `Spread orders: ${LINES} lines over ${PRODUCTS.toLocaleString("en-US")} products`,
      measurements,
      ratios: [ratio("placeOrder / naive transaction", top, at("service").opsPerSec / at("naive-tx").opsPerSec, 1)],
      figures: {},
      violations: await checkInvariants(service.pool, baseline),
    };
  } finally {
    client.close();
    await ceilingPool.end();
  }
}
