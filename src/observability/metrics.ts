import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The process's Prometheus metrics. One registry per process, created here so that any module can
 * count what it knows (orders placed, lock retries, rebuilds) without a dependency being passed down.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const graphqlRequests = new Counter({
  name: "graphql_requests_total",
  help: "GraphQL operations by operation name and outcome (ok, or the first error code)",
  labelNames: ["operation", "outcome"] as const,
  registers: [registry],
});

export const graphqlDuration = new Histogram({
  name: "graphql_request_duration_seconds",
  help: "GraphQL operation latency by operation name",
  labelNames: ["operation"] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const ordersPlaced = new Counter({
  name: "orders_placed_total",
  help: "Orders committed (replays of an idempotency key not counted)",
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

/** A gauge whose value is read when Prometheus scrapes (backlogs, queue sizes). */
export function scrapeGauge(name: string, help: string, labelNames: readonly string[], read: (gauge: Gauge) => Promise<void>): Gauge {
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
