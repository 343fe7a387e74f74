import { describe, expect, it } from "vitest";
import { orderEvent } from "../outbox/order-event.js";
import type { UnpublishedEvent } from "../outbox/outbox.repository.js";
import { jobsFor } from "./outbox-relay.js";
import { EVENTS_PER_JOB, QueueName, eventsOf } from "./queues.js";

function rows(count: number, firstId = 1): UnpublishedEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const id = firstId + index;
    const order = {
      id,
      memberId: 7,
      totalAmount: 100,
      createdAt: new Date("2026-11-24T03:00:00Z"),
      items: [{ id, productId: 3, optionId: 4, quantity: 1, unitPrice: 100, status: "PAID" as const }],
    };
    return {
      id,
      payload: orderEvent(
        "ORDER_PAID",
        `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`,
        order.createdAt,
        order,
      ),
    };
  });
}

describe(jobsFor.name, () => {
  it("makes one job per event on the data-platform queue, named by its type, with the event id as job id", () => {
    const unpublished = rows(3);
    const jobs = jobsFor(QueueName.DATA_PLATFORM, unpublished);
    expect(jobs).toEqual(
      unpublished.map((row) => ({
        name: "ORDER_PAID",
        data: { outboxId: row.id, event: row.payload },
        opts: { jobId: row.payload.eventId },
      })),
    );
  });

  it("makes one job per event on a queue it does not know", () => {
    expect(jobsFor("elsewhere", rows(3))).toHaveLength(3);
  });

  it("puts EVENTS_PER_JOB events in each ranking job, in outbox order, the last one short", () => {
    const size = EVENTS_PER_JOB[QueueName.RANKING];
    const unpublished = rows(2 * size + 5);
    const jobs = jobsFor(QueueName.RANKING, unpublished);
    expect(jobs.map((job) => eventsOf(job.data).length)).toEqual([size, size, 5]);
    expect(jobs.flatMap((job) => eventsOf(job.data))).toEqual(unpublished.map((row) => row.payload));
    expect(jobs.map((job) => job.name)).toEqual(["ORDER_EVENT_BATCH", "ORDER_EVENT_BATCH", "ORDER_EVENT_BATCH"]);
    for (const job of jobs) expect(job.opts.jobId).toMatch(/^batch-[0-9a-f]{40}$/);
  });

  it("makes a lone event a plain single-event ranking job, as before batching", () => {
    const [row] = rows(EVENTS_PER_JOB[QueueName.RANKING] + 1).slice(-1);
    const jobs = jobsFor(QueueName.RANKING, [row!]);
    expect(jobs).toEqual([
      { name: "ORDER_PAID", data: { outboxId: row!.id, event: row!.payload }, opts: { jobId: row!.payload.eventId } },
    ]);
  });

  it("names a batch by exactly its events: the same events give the same id, one more or one less another", () => {
    const unpublished = rows(10);
    const id = (batch: UnpublishedEvent[]) => jobsFor(QueueName.RANKING, batch)[0]!.opts.jobId;
    expect(id(unpublished)).toBe(id(rows(10)));
    // Two relays reading around a row committed late: {1, 3} and {1, 2, 3} must not share an id,
    // or BullMQ would keep the first job and event 2 would never be counted.
    expect(id([unpublished[0]!, unpublished[2]!])).not.toBe(id(unpublished.slice(0, 3)));
    expect(id(unpublished.slice(0, 9))).not.toBe(id(unpublished));
  });
});
