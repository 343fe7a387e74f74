import type { Queue } from "bullmq";
import type { Db } from "../db/client.js";
import { deliveryBacklog } from "../outbox/outbox.repository.js";
import type { OrderEventJob } from "../queue/queues.js";
import { scrapeGauge } from "./metrics.js";

let registered = false;

/**
 * Backlog gauges read at scrape time: per consumer, the outbox events it has not confirmed and the
 * age of the oldest (an alert on that age catches an event stuck for any reason, lost jobs
 * included), and waiting / failed jobs per queue.
 */
export function registerBacklogGauges(db: Db, queues: ReadonlyArray<Queue<OrderEventJob>>): void {
  if (registered) return; // one set per process: the registry refuses a metric name twice
  registered = true;
  scrapeGauge(
    "outbox_backlog",
    "Outbox events committed and not yet confirmed, per consumer (ranking counted, platform answered 2xx)",
    ["consumer"],
    async (gauge) => {
      for (const [consumer, { events }] of Object.entries(await deliveryBacklog(db))) gauge.set({ consumer }, events);
    },
  );
  scrapeGauge(
    "outbox_oldest_undelivered_seconds",
    "Age of the oldest outbox event a consumer has not confirmed, 0 when none",
    ["consumer"],
    async (gauge) => {
      for (const [consumer, { oldestSeconds }] of Object.entries(await deliveryBacklog(db)))
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
