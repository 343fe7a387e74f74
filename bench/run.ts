/**
 * `npm run bench`: every scenario of the performance issue, each against its ceiling measured in the
 * same run on the same database and machine, so the ratios carry over to another machine even where
 * the absolute numbers do not.
 *
 * Each scenario boots the service afresh (API, and the worker where a scenario needs it) on its own
 * scratch database and private redis-server, loads its data, drives it over HTTP with a closed loop
 * of concurrent clients, and checks the invariants afterwards. The table goes to stdout; JSON and an
 * SVG chart go to bench/results/ (bench-quick.* in quick mode, which CI runs). flash-sale-galera runs
 * the flash sale again on a 3-node Galera cluster it starts from the machine's mariadbd, and is
 * reported as skipped where galera-4 or rsync is missing.
 *
 *   BENCH_QUICK=1        every scenario briefly (CI: completes and invariants hold; speed not judged)
 *   BENCH_ONLY=a,b       only these scenarios (names as in the table); a full run of some writes
 *                        bench.json and bench.svg all the same, over the committed whole-run results
 *   BENCH_API_CPU_PROF=d the API writes a V8 CPU profile into d when it stops
 *
 * Exit code 1 when an invariant is violated or a scenario fails; a missed speed target is reported,
 * not failed (a shared 2-core machine is not a place to fail builds on throughput).
 */
import path from "node:path";
import { repositoryRoot } from "../src/process/paths.js";
import { describeMachine } from "./harness/machine.js";
import { printTable, renderMarkdownSummary, writeResults } from "./harness/report.js";
import { skippedResult, type BenchSettings, type ScenarioResult } from "./harness/scenario.js";
import { BenchService, type BenchServiceOptions } from "./harness/service.js";
import { runCheckout } from "./scenarios/checkout.js";
import { runFlashSale } from "./scenarios/flash-sale.js";
import {
  FLASH_SALE_GALERA_TITLE,
  flashSaleGaleraUnavailable,
  runFlashSaleGalera,
} from "./scenarios/flash-sale-galera.js";
import { runFlashSalePipeline } from "./scenarios/flash-sale-pipeline.js";
import { runHotWallet } from "./scenarios/hot-wallet.js";
import { runPopularProducts } from "./scenarios/popular-products.js";
import { runProductsPage } from "./scenarios/products-page.js";
import { runSoak } from "./scenarios/soak.js";
import { withTwoApis } from "./scenarios/two-apis.js";
import { runSpreadOrders } from "./scenarios/spread-orders.js";
import { runWorkerDrain } from "./scenarios/worker-drain.js";

/** `earlier`: the results of the scenarios run before it in this run, for one that compares with another. */
type Scenario = (
  service: BenchService,
  settings: BenchSettings,
  earlier: readonly ScenarioResult[],
) => Promise<ScenarioResult>;
/** What a scenario's service needs beyond the API on its own database and Redis (the fake PG, a cluster). */
type ServiceNeeds = Pick<BenchServiceOptions, "fakePg" | "galera" | "apiProcesses">;

interface ScenarioEntry {
  name: string;
  run: Scenario;
  needs?: ServiceNeeds;
  /** Software the scenario needs that a machine may lack: why it cannot run here (reported as skipped), or null. */
  unavailable?: { title: string; reason: () => string | null };
}

const SCENARIOS: ScenarioEntry[] = [
  { name: "flash-sale", run: runFlashSale },
  // Right after flash-sale, so that its figures are there to compare with (cluster / standalone).
  {
    name: "flash-sale-galera",
    run: runFlashSaleGalera,
    needs: { galera: true },
    unavailable: { title: FLASH_SALE_GALERA_TITLE, reason: flashSaleGaleraUnavailable },
  },
  { name: "flash-sale-pipeline", run: runFlashSalePipeline },
  // Both cores: the same scenario with two API processes, compared with the one-process run above.
  { name: "flash-sale-2api", run: withTwoApis(runFlashSale), needs: { apiProcesses: 2 } },
  { name: "spread-orders", run: runSpreadOrders },
  { name: "products-page", run: runProductsPage },
  { name: "products-page-2api", run: withTwoApis(runProductsPage), needs: { apiProcesses: 2 } },
  { name: "popular-products", run: runPopularProducts },
  { name: "worker-drain", run: runWorkerDrain },
  { name: "hot-wallet", run: runHotWallet },
  { name: "checkout", run: runCheckout, needs: { fakePg: true } },
  { name: "soak", run: runSoak },
];

const quick = process.env.BENCH_QUICK === "1";
const settings: BenchSettings = quick
  ? { quick, concurrencies: [4, 64], durationMs: 1_000, warmupMs: 300, dbPoolSize: 20 }
  : { quick, concurrencies: [1, 4, 16, 64], durationMs: 8_000, warmupMs: 2_000, dbPoolSize: 20 };
const only = process.env.BENCH_ONLY?.split(",").map((name) => name.trim());
const unknown = only?.filter((name) => !SCENARIOS.some((known) => known.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map(({ name }) => name).join(", ")}`);
  process.exit(2);
}

const results: ScenarioResult[] = [];
const peakRssMiB: Record<string, number> = {};
let failed = false;
for (const { name, run, needs, unavailable } of SCENARIOS) {
  if (only && !only.includes(name)) continue;
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const missing = unavailable?.reason() ?? null;
  if (unavailable && missing !== null) {
    console.log(`  skipped: ${missing}`);
    results.push(skippedResult(name, unavailable.title, missing));
    continue;
  }
  const service = await BenchService.start({
    label: name.replace(/-/g, "_"),
    dbPoolSize: settings.dbPoolSize,
    ...needs,
  });
  try {
    const result = await run(service, settings, results);
    results.push(result);
    peakRssMiB[`api (${name})`] = service.api.peakRssMiB();
    console.log(
      `  done in ${((Date.now() - started) / 1000).toFixed(0)} s, ${result.violations.length} invariant violation(s)`,
    );
  } catch (error) {
    failed = true;
    console.error(`  ${name} failed:`, error);
    console.error(service.api.logTail().slice(-3_000));
  } finally {
    await service.stop();
  }
}

const machine = await describeMachine({ mariadb: await mariadbVersion() });
printTable(results, settings);
console.log(
  `\nAPI peak RSS: ${Object.entries(peakRssMiB)
    .map(([name, mib]) => `${name} ${mib.toFixed(0)} MiB`)
    .join(", ")}`,
);
const written = await writeResults(path.join(repositoryRoot(), "bench/results"), results, settings, machine, {
  peakRssMiB,
});
console.log(`\n${renderMarkdownSummary(results, settings, machine, { peakRssMiB })}`);
console.log(`written: ${written.json}, ${written.svg}`);

const violations = results.flatMap((result) => result.violations.map((violation) => `${result.name}: ${violation}`));
if (violations.length > 0) console.error(`\nINVARIANTS VIOLATED:\n${violations.slice(0, 50).join("\n")}`);
process.exit(failed || violations.length > 0 ? 1 : 0);

async function mariadbVersion(): Promise<string> {
  const mysql = await import("mysql2/promise");
  const connection = await mysql.createConnection({
    uri: process.env.BENCH_MARIADB_URL ?? "mysql://root@127.0.0.1:3306",
  });
  try {
    const [[row]] = (await connection.query("SELECT VERSION() AS version")) as unknown as [[{ version: string }]];
    return row.version;
  } finally {
    await connection.end();
  }
}
