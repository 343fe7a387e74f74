import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop, type Outcome } from "../harness/load.js";
import { ratio, type BenchSettings, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService, NodeProcess } from "../harness/service.js";
import { checkInvariants, stockBaseline } from "../../test/helpers/invariants.js";
import { createBuyers, createProducts } from "./order-fixtures.js";
import { metricSnapshot } from "./service-metrics.js";

/**
 * Memory over time: several minutes of a shop's mixed traffic (catalog pages, carts, orders, the
 * ranking) with the worker and the data platform running, sampling each process's resident set and
 * its heap after the last major GC (nodejs_heap_used_after_major_gc_bytes, from its /metrics). A
 * share of the catalog reads carries its values inside the query text, a new document every time,
 * as careless or hostile clients send: every per-document cache must stay bounded under it. What
 * the scenario shows is whether memory levels off: the heap kept after GC in the last third of the
 * run against the middle third (the first third is the caches and pools filling up).
 */

const CLIENTS = 32;
const PRODUCTS = 200;
/** The heap kept in the last third may be at most this much above the middle third's (ratio ≥ 1 / this). */
const PLATEAU_SLACK = 1.1;

const PRODUCTS_PAGE = `query Page($first: Int) { products(first: $first) { nodes { id name price stock options { name price stock } } } }`;
const POPULAR = `query { popularProducts(days: 3, limit: 5) { rank soldQuantity product { id name } } }`;
const ADD_TO_CART = `mutation Add($input: AddCartItemInput!) { addCartItem(input: $input) { totalQuantity totalAmount } }`;
const CLEAR_CART = `mutation { clearCart { totalQuantity } }`;
const CART = `query { cart { items { id quantity product { name } } totalAmount } }`;
const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id totalAmount } }`;

/** A query no client sent before: its values, and an alias, written into the text. */
const uniqueInlinePage = (n: number): string =>
  `{ p${n}: products(first: ${1 + (n % 20)}) { nodes { id name price } } }`;

interface MemorySample {
  atSeconds: number;
  apiRssMiB: number;
  apiHeapMiB: number;
  workerRssMiB: number;
  workerHeapMiB: number;
}

const MIB = 1024 * 1024;
/** A figure in whole MiB; "-" for none (no major GC yet). */
const mib = (value: number): string => (Number.isFinite(value) ? String(Math.round(value)) : "-");

/** The heap kept after the process's last major GC; NaN until it has had one (the gauge reads 0). */
async function heapAfterGcMiB(metricsUrl: string): Promise<number> {
  const bytes = (await metricSnapshot(metricsUrl)).sum("nodejs_heap_used_after_major_gc_bytes");
  return bytes > 0 ? bytes / MIB : NaN;
}

async function sample(service: BenchService, worker: NodeProcess, workerMetricsUrl: string, since: number) {
  return {
    atSeconds: Math.round((Date.now() - since) / 1000),
    apiRssMiB: service.api.residentMiB(),
    apiHeapMiB: await heapAfterGcMiB(service.url),
    workerRssMiB: worker.residentMiB(),
    workerHeapMiB: await heapAfterGcMiB(workerMetricsUrl),
  } satisfies MemorySample;
}

export async function runSoak(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  await service.startWorker();
  const worker = service.workerProcess!;
  const workerMetricsUrl = service.workerMetricsUrl!;
  const buyers = await createBuyers(service.pool, CLIENTS, 1_000_000_000_000, "soak");
  const products = await createProducts(service.pool, PRODUCTS, 2, 10_000_000, "soak");
  const tokens = await Promise.all(buyers.map((id) => service.tokenFor(id)));
  const baseline = await stockBaseline(service.pool);
  const client = new GraphqlHttp(service.url);
  const durationMs = settings.quick ? 15_000 : 240_000;
  const sampleEveryMs = settings.quick ? 2_000 : 10_000;
  const counts = { sent: 0, uniqueDocuments: 0 };

  // One op of the mix, the nth of all: 45% catalog pages, 15% unique inline documents, 5% ranking,
  // 10% cart additions, 5% cart clears, 5% cart reads, 15% orders.
  const op = (id: number): Promise<Outcome> => {
    const n = (counts.sent += 1);
    const token = tokens[id % CLIENTS];
    const product = products[(n * 7919) % PRODUCTS]!;
    const line = { productId: product.productId, optionId: product.optionIds[n % 2]!, quantity: 1 };
    const slot = n % 20;
    if (slot < 9) return client.outcome(PRODUCTS_PAGE, { first: 20 });
    if (slot < 12) {
      counts.uniqueDocuments += 1;
      return client.outcome(uniqueInlinePage(n), {});
    }
    if (slot < 13) return client.outcome(POPULAR, {});
    if (slot < 15) return client.outcome(ADD_TO_CART, { input: line }, token);
    if (slot < 16) return client.outcome(CLEAR_CART, {}, token);
    if (slot < 17) return client.outcome(CART, {}, token);
    return client.outcome(PLACE_ORDER, { input: { items: [line] } }, token);
  };

  const samples: MemorySample[] = [];
  const startedAt = Date.now();
  const sampler = setInterval(() => {
    void sample(service, worker, workerMetricsUrl, startedAt).then((taken) => samples.push(taken));
  }, sampleEveryMs);
  try {
    const load = await closedLoop({
      concurrency: CLIENTS,
      durationMs,
      warmupMs: settings.warmupMs,
      op,
      cpu: service.cpuReaders(),
    });
    clearInterval(sampler);
    samples.push(await sample(service, worker, workerMetricsUrl, startedAt));

    const violations = await checkInvariants(service.pool, baseline);
    const end = samples.at(-1)!.atSeconds;
    const third = (part: 1 | 2) =>
      samples.filter((s) => s.atSeconds > (end * part) / 3 && s.atSeconds <= (end * (part + 1)) / 3);
    const [middle, last] = [third(1), third(2)];
    // Samples taken before the process's first major GC have no heap figure (NaN) and are left out.
    const peak = (of: MemorySample[], key: keyof MemorySample) =>
      Math.max(...of.map((s) => s[key]).filter(Number.isFinite));
    const plateau = (key: keyof MemorySample) => (peak(middle, key) * PLATEAU_SLACK) / peak(last, key);
    return {
      name: "soak",
      title: `Soak: ${durationMs / 1000} s of mixed traffic (pages, unique inline documents, carts, orders) with the worker running`,
      measurements: [{ series: "service", ...load }],
      ratios: [
        ratio(`API heap after GC: middle third × ${PLATEAU_SLACK} / last third`, CLIENTS, plateau("apiHeapMiB"), 1),
        ratio(
          `worker heap after GC: middle third × ${PLATEAU_SLACK} / last third`,
          CLIENTS,
          plateau("workerHeapMiB"),
          1,
        ),
      ],
      figures: {
        "samples (s: API RSS / heap after GC MiB)": samples
          .map((s) => `${s.atSeconds}: ${Math.round(s.apiRssMiB)}/${mib(s.apiHeapMiB)}`)
          .join(" "),
        "samples (s: worker RSS / heap after GC MiB)": samples
          .map((s) => `${s.atSeconds}: ${Math.round(s.workerRssMiB)}/${mib(s.workerHeapMiB)}`)
          .join(" "),
        "API RSS peak MiB, middle / last third": `${Math.round(peak(middle, "apiRssMiB"))} / ${Math.round(peak(last, "apiRssMiB"))}`,
        "API heap after GC peak MiB, middle / last third": `${mib(peak(middle, "apiHeapMiB"))} / ${mib(peak(last, "apiHeapMiB"))}`,
        "worker RSS peak MiB, middle / last third": `${Math.round(peak(middle, "workerRssMiB"))} / ${Math.round(peak(last, "workerRssMiB"))}`,
        "worker heap after GC peak MiB, middle / last third": `${mib(peak(middle, "workerHeapMiB"))} / ${mib(peak(last, "workerHeapMiB"))}`,
        "unique inline documents sent": counts.uniqueDocuments,
      },
      violations,
    };
  } finally {
    clearInterval(sampler);
    client.close();
  }
}
