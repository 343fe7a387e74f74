import type { Queue } from "bullmq";
import { isNull, or } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";
import { outbox } from "../../src/db/schema/index.js";
import type { OrderEventJob } from "../../src/queue/queues.js";

/** Waits until every outbox row is published and no event job is waiting, running or scheduled. */
export async function waitUntilDrained(
  db: Db,
  queues: ReadonlyArray<Queue<OrderEventJob>>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const unpublished = (await db.select({ id: outbox.id }).from(outbox).where(isNull(outbox.publishedAt)).limit(1))
        .length;
      const counts = await Promise.all(
        queues.map((queue) => queue.getJobCounts("waiting", "active", "delayed", "prioritized")),
      );
      const pending = counts.reduce((sum, count) => sum + Object.values(count).reduce((a, b) => a + b, 0), 0);
      last = `unpublished=${unpublished} pending=${pending}`;
      if (unpublished === 0 && pending === 0) return;
    } catch (error) {
      last = (error as Error).message; // Redis may be coming back
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`events did not drain in ${timeoutMs} ms (${last})`);
}

/** Waits until every consumer has confirmed every outbox event (the ranking counted it, the platform took it). */
export async function waitUntilDelivered(db: Db, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const owed = await db
      .select({ id: outbox.id })
      .from(outbox)
      .where(or(isNull(outbox.rankingDeliveredAt), isNull(outbox.dataPlatformDeliveredAt)))
      .limit(5);
    if (owed.length === 0) return;
    last = owed.map((row) => row.id).join(", ");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`events not delivered in ${timeoutMs} ms (outbox ids ${last}...)`);
}
