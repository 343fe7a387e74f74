import { describe, expect, it } from "vitest";
import { orderEvent } from "../outbox/order-event.js";
import type { OrderEvent } from "../outbox/order-event.js";
import { jobsFor } from "./outbox-relay.js";
import { EVENTS_PER_JOB, QueueName, eventsOf, queuedOf, type OrderEventJob } from "./queues.js";

function events(count: number, firstId = 1): OrderEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const id = firstId + index;
    const order = {
      id,
      memberId: 7,
      totalAmount: 100,
      createdAt: new Date("2026-11-24T03:00:00Z"),
      items: [{ id, productId: 3, optionId: 4, quantity: 1, unitPrice: 100, status: "PAID" as const }],
    };
    return orderEvent("ORDER_PAID", `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`, order.createdAt, order);
  });
}

describe(jobsFor.name, () => {
  it("makes one job per event on a queue it does not know", () => {
    expect(jobsFor("elsewhere", events(3))).toHaveLength(3);
  });

  it.each([QueueName.RANKING, QueueName.DATA_PLATFORM])(
    "puts EVENTS_PER_JOB events in each %s job, in the order published, the last one short",
    (queue) => {
      const size = EVENTS_PER_JOB[queue];
      const published = events(2 * size + 5);
      const jobs = jobsFor(queue, published);
      expect(jobs.map((job) => eventsOf(job.data).length)).toEqual([size, size, 5]);
      expect(jobs.flatMap((job) => eventsOf(job.data))).toEqual(published);
      expect(jobs.map((job) => job.name)).toEqual(["ORDER_EVENT_BATCH", "ORDER_EVENT_BATCH", "ORDER_EVENT_BATCH"]);
      for (const job of jobs) expect(job.opts.jobId).toMatch(/^batch-[0-9a-f]{40}$/);
    },
  );

  it.each([QueueName.RANKING, QueueName.DATA_PLATFORM])(
    "makes a lone event a plain %s job named by its type, with the event id as job id",
    (queue) => {
      const [event] = events(EVENTS_PER_JOB[queue] + 1).slice(-1);
      const jobs = jobsFor(queue, [event!]);
      expect(jobs).toEqual([{ name: "ORDER_PAID", data: { event }, opts: { jobId: event!.eventId } }]);
    },
  );

  it("names a batch by exactly its events: the same events give the same id, one more or one less another", () => {
    const unpublished = events(10);
    const id = (batch: OrderEvent[]) => jobsFor(QueueName.RANKING, batch)[0]!.opts.jobId;
    expect(id(unpublished)).toBe(id(events(10)));
    // Two relays reading around a row committed late: {1, 3} and {1, 2, 3} must not share an id,
    // or BullMQ would keep the first job and event 2 would never be counted.
    expect(id([unpublished[0]!, unpublished[2]!])).not.toBe(id(unpublished.slice(0, 3)));
    expect(id(unpublished.slice(0, 9))).not.toBe(id(unpublished));
  });
});

describe(queuedOf.name, () => {
  it("takes the jobs enqueued before events were published from memory, which carried the outbox id", () => {
    const [first, second] = events(2);
    // As a deploy finds them in Redis (JSON): the extra field is ignored, confirmations go by event id.
    const fromRedis = (data: object) => JSON.parse(JSON.stringify(data)) as OrderEventJob;
    const single = fromRedis({ outboxId: 1, event: first });
    const batch = fromRedis({
      events: [
        { outboxId: 1, event: first },
        { outboxId: 2, event: second },
      ],
    });
    expect(eventsOf(single).map((event) => event.eventId)).toEqual([first!.eventId]);
    expect(queuedOf(batch).map((entry) => entry.event.eventId)).toEqual([first!.eventId, second!.eventId]);
  });
});
