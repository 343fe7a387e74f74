import { PerformanceObserver, constants, type NodeGCPerformanceDetail, type PerformanceEntry } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The process's Prometheus metrics. One registry per process, created here so that any module can
 * count what it knows (orders placed, lock retries, rebuilds) without a dependency being passed down.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/**
 * The heap in use right after the last major (mark-sweep-compact) collection: what the process
 * really keeps. The default metrics' heap figures are read whenever a scrape comes, garbage
 * included, so they saw-tooth; this one only rises when something is retained, which is the figure
 * a slow leak (or an unbounded cache) shows in. The bench's soak scenario plots it over time.
 */
const heapAfterMajorGc = new Gauge({
  name: "nodejs_heap_used_after_major_gc_bytes",
  help: "V8 heap in use right after the last major garbage collection",
  registers: [registry],
});
// A "gc" entry carries its kind in `detail`, which @types/node leaves off PerformanceEntry.
const isMajorGc = (entry: PerformanceEntry): boolean =>
  (entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail?.kind ===
  constants.NODE_PERFORMANCE_GC_MAJOR;
new PerformanceObserver((list) => {
  if (list.getEntries().some(isMajorGc)) heapAfterMajorGc.set(getHeapStatistics().used_heap_size);
}).observe({ entryTypes: ["gc"] });

export const graphqlRequests = new Counter({
  name: "graphql_requests_total",
  help: "GraphQL operations by operation name and outcome (ok, or the first error code)",
  labelNames: ["operation", "outcome"] as const,
  registers: [registry],
});

export const graphqlCompiledExecutions = new Counter({
  name: "graphql_executions_total",
  help: "GraphQL executions by engine: compiled (a hot document, graphql-jit) or graphql-js",
  labelNames: ["engine"] as const,
  registers: [registry],
});

export const graphqlDuration = new Histogram({
  name: "graphql_request_duration_seconds",
  help: "GraphQL operation latency by operation name",
  labelNames: ["operation"] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

/**
 * Every SQL statement sent through drizzle, whoever sent it (requests, the outbox sweep, scrapes): the
 * bench reads it around a burst of requests to show statements per request stay constant in page size.
 */
export const dbStatements = new Counter({
  name: "db_statements_total",
  help: "SQL statements sent through drizzle, all callers",
  registers: [registry],
});

export const ordersPlaced = new Counter({
  name: "orders_placed_total",
  help: "Orders committed (replays of an idempotency key not counted)",
  registers: [registry],
});

/**
 * How long the rows a batched transaction locks in its commit batch (an order's stock rows) stay
 * locked, timed by the database server: from the end of the last of those statements to the end of
 * COMMIT. On a flash sale every other buyer of the product waits for exactly this.
 */
export const commitBatchLockHeld = new Histogram({
  name: "db_commit_batch_lock_held_seconds",
  help: "Time the rows locked in a batched transaction's commit batch stay locked, timed by the server",
  labelNames: ["unit"] as const,
  buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
  registers: [registry],
});

/**
 * How far each consumer of the order events is behind: from the moment the event happened (the
 * order's commit; its occurredAt) to the moment the consumer's confirmation was written (counted in
 * the ranking, stored by the data platform). The requirements ask for the platform "in real time".
 */
export const orderEventLag = new Histogram({
  name: "order_event_lag_seconds",
  help: "Time from an order event (occurredAt) to its consumer's confirmation, by consumer queue",
  labelNames: ["consumer"] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  registers: [registry],
});

export const groupFallbacks = new Counter({
  name: "order_group_fallbacks_total",
  help: "Groups of orders that failed as a whole and were placed one by one (stock taken meanwhile by another API copy, lock retries used up)",
  registers: [registry],
});

export const chargeGroupFallbacks = new Counter({
  name: "charge_group_fallbacks_total",
  help: "Groups of charges that failed as a whole and were made one by one (lock retries used up, a connection lost before COMMIT)",
  registers: [registry],
});

export const commitOutcomes = new Counter({
  name: "db_commit_outcomes_resolved_total",
  help: "COMMITs whose answer was lost (connection cut or timed out), by what asking the database found: committed, rolled-back, or unknown (the database could not be asked)",
  labelNames: ["unit", "outcome"] as const,
  registers: [registry],
});

/** DATABASE_URLS: each time the writes moved to another node (or to none, while no node may write). */
export const dbWriterChanges = new Counter({
  name: "db_writer_changes_total",
  help: "Times the database writer changed (failover, or back to an earlier node of DATABASE_URLS)",
  registers: [registry],
});

export const dbWriterNode = new Gauge({
  name: "db_writer_node",
  help: "Index in DATABASE_URLS of the node taking the writes (-1: none may, the API answers SERVICE_UNAVAILABLE)",
  registers: [registry],
});

export const lockRetries = new Counter({
  name: "db_lock_retries_total",
  help: "Transactions run again after a deadlock (1213) or lock-wait timeout (1205)",
  labelNames: ["errno"] as const,
  registers: [registry],
});

export const rankingRebuilds = new Counter({
  name: "ranking_rebuilds_total",
  help: "Times the ranking was recounted from the database",
  registers: [registry],
});

export const checkoutOutcomes = new Counter({
  name: "checkouts_total",
  help: "Checkouts by how they ended: PAID, FAILED, EXPIRED, REFUNDED (and started, when begun)",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

/** How long the PG takes to answer a confirm (timeouts and network failures included, as `unknown`). */
export const pgConfirmDuration = new Histogram({
  name: "pg_confirm_duration_seconds",
  help: "Time the PG took to answer a payment confirm, by outcome (approved, declined, unknown)",
  labelNames: ["outcome"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const checkoutReconciles = new Counter({
  name: "checkout_reconciles_total",
  help: "Times the PG was asked how a checkout's payment ended, by what it said (captured, not-captured, undecided)",
  labelNames: ["verdict"] as const,
  registers: [registry],
});

export const pgRefundAttempts = new Counter({
  name: "pg_refund_attempts_total",
  help: "Attempts to cancel (refund) a payment at the PG, by result (done, already-applied, retry)",
  labelNames: ["result"] as const,
  registers: [registry],
});

/** A gauge whose value is read when Prometheus scrapes (backlogs, queue sizes). */
export function scrapeGauge(
  name: string,
  help: string,
  labelNames: readonly string[],
  read: (gauge: Gauge) => Promise<void>,
): Gauge {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      try {
        await read(this);
      } catch {
        // A dependency is down: leave the last value; /readyz tells that story.
      }
    },
  });
}
