/**
 * Scenario 3, the products page: `products(first: 20) { nodes { name price stock options { name price stock } } }`
 * over HTTP against its ceiling, a bare node:http server answering the same JSON with the same SQL
 * through mysql2 (products-page-ceiling.ts). The service must reach 0.7 of the ceiling's throughput at
 * the highest concurrency, and send a number of statements per request that does not grow with the
 * page size (read from the API's db_statements_total, not assumed).
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type mysql from "mysql2/promise";
import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop } from "../harness/load.js";
import { ratio, type BenchSettings, type Measurement, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";
import type { CeilingOptions, CeilingReady } from "./products-page-ceiling.js";
import { scrapeMetrics } from "./service-metrics.js";

const PRODUCTS = 1_000;
const OPTIONS = [
  { name: "S", additionalPrice: 0 },
  { name: "M", additionalPrice: 500 },
  { name: "XL", additionalPrice: 1_500 },
] as const;
const PAGE_SIZE = 20;
/** Page sizes the statement count is read at; it must be the same for each. */
const STATEMENT_PAGE_SIZES = [5, 20, 100] as const;
const STATEMENT_SAMPLE_REQUESTS = 40;

const QUERY = `query ProductsPage($first: Int) {
  products(first: $first) { nodes { name price stock options { name price stock } } }
}`;

/** Products with three options each and their stock rows, straight into the scratch database. */
async function loadCatalog(pool: mysql.Pool): Promise<void> {
  const chunk = 500;
  for (let start = 0; start < PRODUCTS; start += chunk) {
    const count = Math.min(chunk, PRODUCTS - start);
    const products = Array.from({ length: count }, (_, i) => [
      `Bench product ${start + i + 1} 티셔츠`,
      1_000 + (((start + i) * 37) % 50_000),
    ]);
    const [inserted] = await pool.query<mysql.ResultSetHeader>("INSERT INTO product (name, price) VALUES ?", [
      products,
    ]);
    // One multi-row INSERT takes consecutive auto-increment ids (drizzle's $returningId relies on it too).
    const productIds = Array.from({ length: inserted.affectedRows }, (_, i) => inserted.insertId + i);
    const options = productIds.flatMap((productId) =>
      OPTIONS.map((option) => [productId, option.name, option.additionalPrice]),
    );
    const [optionsInserted] = await pool.query<mysql.ResultSetHeader>(
      "INSERT INTO product_option (product_id, name, additional_price) VALUES ?",
      [options],
    );
    const stock = Array.from({ length: optionsInserted.affectedRows }, (_, i) => [
      optionsInserted.insertId + i,
      (i * 7) % 200,
    ]);
    await pool.query("INSERT INTO stock (option_id, quantity) VALUES ?", [stock]);
  }
}

/** The ceiling, running in a worker thread until stop(). */
async function startCeiling(options: CeilingOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const worker = new Worker(new URL("./products-page-ceiling.js", import.meta.url), { workerData: options });
  const [ready] = (await once(worker, "message")) as [CeilingReady];
  return {
    url: `http://127.0.0.1:${ready.port}`,
    async stop() {
      const exited = once(worker, "exit");
      worker.postMessage("stop");
      await exited;
    },
  };
}

async function statementCount(baseUrl: string): Promise<number> {
  const text = await scrapeMetrics(baseUrl);
  const match = /^db_statements_total (\S+)$/m.exec(text);
  if (!match) throw new Error("the API's /metrics has no db_statements_total");
  return Number(match[1]);
}

/**
 * Statements the service sends per products-page request of `first` products. The counter also
 * moves once per scrape (the backlog gauge) and at each outbox relay sweep (every 2 s). Both only
 * ever add, so the least a pair of back-to-back scrapes moved is the scrape's own share, and the
 * lower of two samples is the one no sweep fell into.
 */
async function statementsPerRequest(service: BenchService, client: GraphqlHttp, first: number): Promise<number> {
  const scrapePair = async (): Promise<number> =>
    -(await statementCount(service.url)) + (await statementCount(service.url));
  const scrape = Math.min(await scrapePair(), await scrapePair(), await scrapePair());
  const sample = async (): Promise<number> => {
    const before = await statementCount(service.url);
    for (let i = 0; i < STATEMENT_SAMPLE_REQUESTS; i += 1) {
      const outcome = await client.outcome(QUERY, { first });
      if (outcome !== null) throw new Error(`products(first: ${first}) answered ${outcome}`);
    }
    const after = await statementCount(service.url);
    return (after - before - scrape) / STATEMENT_SAMPLE_REQUESTS;
  };
  const lowest = Math.min(await sample(), await sample());
  return Math.round(lowest * 100) / 100;
}

async function pageData(client: GraphqlHttp, first: number): Promise<string> {
  return JSON.stringify(await client.request(QUERY, { first }));
}

export async function runProductsPage(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  await loadCatalog(service.pool);
  const ceiling = await startCeiling({ databaseUrl: service.databaseUrl, poolSize: settings.dbPoolSize });
  // The load goes to every API process; the statement count is read from the first one's /metrics,
  // so its requests go there alone.
  const serviceClient = new GraphqlHttp(service.urls);
  const firstApiClient = new GraphqlHttp(service.url);
  const ceilingClient = new GraphqlHttp(ceiling.url);
  const violations: string[] = [];
  const measurements: Measurement[] = [];
  const figures: Record<string, number | string> = {
    catalog: `${PRODUCTS} products x ${OPTIONS.length} options`,
    query: `products(first: ${PAGE_SIZE}) { nodes { name price stock options { name price stock } } }`,
    ceiling: "bare node:http + mysql2 in a worker thread, the service's 2 statements",
  };
  try {
    // A ceiling that answered less (or other) data would flatter it: both must say the same.
    for (const first of [PAGE_SIZE, 100]) {
      const [fromService, fromCeiling] = await Promise.all([
        pageData(serviceClient, first),
        pageData(ceilingClient, first),
      ]);
      if (fromService !== fromCeiling)
        violations.push(`first: ${first}: the service and the ceiling answered different data`);
    }

    const perRequest: number[] = [];
    for (const first of STATEMENT_PAGE_SIZES) {
      const statements = await statementsPerRequest(service, firstApiClient, first);
      figures[`SQL statements per request (first: ${first})`] = statements;
      perRequest.push(statements);
    }
    if (new Set(perRequest).size !== 1)
      violations.push(`statements per request grow with the page size: ${perRequest.join(", ")}`);

    const variables = { first: PAGE_SIZE };
    const series = [
      { name: "service", client: serviceClient },
      { name: "bare-http-mysql2", client: ceilingClient },
    ];
    for (const concurrency of settings.concurrencies) {
      for (const { name, client } of series) {
        const result = await closedLoop({
          concurrency,
          durationMs: settings.durationMs,
          warmupMs: settings.warmupMs,
          op: () => client.outcome(QUERY, variables),
          ...(name === "service" && { cpu: service.cpuReaders() }),
        });
        measurements.push({ ...result, series: name });
        const failed = Object.entries(result.errors);
        if (failed.length > 0)
          violations.push(`${name} at concurrency ${concurrency} failed: ${JSON.stringify(result.errors)}`);
      }
    }
  } finally {
    serviceClient.close();
    firstApiClient.close();
    ceilingClient.close();
    await ceiling.stop();
  }

  const top = Math.max(...settings.concurrencies);
  const at = (series: string) => measurements.find((m) => m.series === series && m.concurrency === top);
  const serviceTop = at("service");
  const ceilingTop = at("bare-http-mysql2");
  const ratios =
    serviceTop && ceilingTop
      ? [ratio("products page / bare http + mysql2", top, serviceTop.opsPerSec / ceilingTop.opsPerSec, 0.7)]
      : [];
  return { name: "products-page", title: "Products page", measurements, ratios, figures, violations };
}
