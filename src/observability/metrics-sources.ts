import type { Queue } from "bullmq";
import { scrapeGauge } from "./metrics.js";

/**
 * Where the backlog gauges read from, passed in so that observability imports no layer it measures
 * (the database layer reports to it: src/db/client.ts counts statements here).
 */
export interface BacklogSources {
  /** Per consumer, the outbox events it has not confirmed and the age in seconds of the oldest. */
  deliveryBacklog: () => Promise<Record<string, { events: number; oldestSeconds: number }>>;
  /** The event queues, for their job counts. */
  queues: ReadonlyArray<Pick<Queue, "name" | "getJobCounts">>;
}

let registered = false;

/**
 * Backlog gauges read at scrape time: per consumer, the outbox events it has not confirmed and the
 * age of the oldest (an alert on that age catches an event stuck for any reason, lost jobs
 * included), and waiting / failed jobs per queue.
 */
export function registerBacklogGauges({ deliveryBacklog, queues }: BacklogSources): void {
  if (registered) return; // one set per process: the registry refuses a metric name twice
  registered = true;
  scrapeGauge(
    "outbox_backlog",
    "Outbox events committed and not yet confirmed, per consumer (ranking counted, platform answered 2xx)",
    ["consumer"],
    async (gauge) => {
      for (const [consumer, { events }] of Object.entries(await deliveryBacklog())) gauge.set({ consumer }, events);
    },
  );
  scrapeGauge(
    "outbox_oldest_undelivered_seconds",
    "Age of the oldest outbox event a consumer has not confirmed, 0 when none",
    ["consumer"],
    async (gauge) => {
      for (const [consumer, { oldestSeconds }] of Object.entries(await deliveryBacklog()))
        gauge.set({ consumer }, oldestSeconds);
    },
  );
  scrapeGauge("queue_jobs", "Jobs per queue and state", ["queue", "state"], async (gauge) => {
    for (const queue of queues) {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
      for (const [state, value] of Object.entries(counts)) gauge.set({ queue: queue.name, state }, value);
    }
  });
}

let pgRefundsRegistered = false;

/**
 * Refunds owed at the PG (queued in the transaction that decided them, not yet confirmed by the PG)
 * and the age of the oldest: money a buyer is waiting for. An alert on the age catches a PG that keeps
 * refusing or a refund stuck for any reason.
 */
export function registerPgRefundGauges(backlog: () => Promise<{ refunds: number; oldestSeconds: number }>): void {
  if (pgRefundsRegistered) return;
  pgRefundsRegistered = true;
  scrapeGauge("pg_refunds_pending", "Refunds owed at the PG and not yet confirmed by it", [], async (gauge) => {
    gauge.set((await backlog()).refunds);
  });
  scrapeGauge(
    "pg_refund_oldest_pending_seconds",
    "Age of the oldest refund owed at the PG, 0 when none",
    [],
    async (gauge) => {
      gauge.set((await backlog()).oldestSeconds);
    },
  );
}
