import type { Queue } from "bullmq";
import { count, isNull } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { outbox } from "../db/schema/index.js";
import type { OrderEventJob } from "../queue/queues.js";
import { scrapeGauge } from "./metrics.js";

let registered = false;

/** Backlog gauges read at scrape time: unpublished outbox events, and waiting / failed jobs per queue. */
export function registerBacklogGauges(db: Db, queues: ReadonlyArray<Queue<OrderEventJob>>): void {
  if (registered) return; // one set per process: the registry refuses a metric name twice
  registered = true;
  scrapeGauge("outbox_backlog", "Outbox events committed but not yet on the queues", [], async (gauge) => {
    const [row] = await db.select({ n: count() }).from(outbox).where(isNull(outbox.publishedAt));
    gauge.set(row?.n ?? 0);
  });
  scrapeGauge("queue_jobs", "Jobs per queue and state", ["queue", "state"], async (gauge) => {
    for (const queue of queues) {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
      for (const [state, value] of Object.entries(counts)) gauge.set({ queue: queue.name, state }, value);
    }
  });
}
