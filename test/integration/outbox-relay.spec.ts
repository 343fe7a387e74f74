import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisTarget } from "../../src/config/config.js";
import { orderEvent, type OrderEvent } from "../../src/outbox/order-event.js";
import { appendOutboxEvents } from "../../src/outbox/outbox.repository.js";
import { OutboxRelay } from "../../src/queue/outbox-relay.js";
import { QueueConnections, QueueName, eventsOf, queuePrefix, type OrderEventJob } from "../../src/queue/queues.js";
import { adminToken, chargePoints, createProduct, placeOrder, signUpMember } from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { until } from "../helpers/until.js";

let app: TestApp;
const logLines: string[] = [];
beforeAll(async () => {
  // The timer's sweep is out of the way (it runs once, at start, on an empty outbox): what gets
  // published here is what notify() publishes.
  app = await startTestApp("outbox_relay", { OUTBOX_SWEEP_MS: "600000" }, { logLines });
});
afterAll(() => app.close());

/** ORDER_PAID events of made-up orders, committed to the outbox without telling any relay. */
async function committedUntold(count: number): Promise<OrderEvent[]> {
  const at = new Date();
  const events = Array.from({ length: count }, (_, index) =>
    orderEvent("ORDER_PAID", randomUUID(), at, {
      id: 900_000 + index,
      memberId: 1,
      totalAmount: 100,
      createdAt: at,
      payments: [{ method: "POINT", amount: 100 }],
      items: [{ id: 900_000 + index, productId: 1, optionId: 1, quantity: 1, unitPrice: 100, status: "PAID" }],
    }),
  );
  await app.database.db.transaction((tx) => appendOutboxEvents(tx, events));
  return events;
}

/** Whether each event's outbox row is marked published. */
async function published(events: readonly OrderEvent[]): Promise<boolean[]> {
  const [rows] = await app.database.pool.query("SELECT event_id, published_at FROM outbox WHERE event_id IN (?)", [
    events.map((event) => event.eventId),
  ]);
  const at = new Map(
    (rows as Array<{ event_id: string; published_at: Date | null }>).map((row) => [row.event_id, row.published_at]),
  );
  return events.map((event) => (at.get(event.eventId) ?? null) !== null);
}

const platformQueue = () => app.queues.find((queue) => queue.name === QueueName.DATA_PLATFORM)!;

const allPublished = async (events: readonly OrderEvent[]) =>
  (await published(events)).every(Boolean) ? true : undefined;

describe(OutboxRelay.name, () => {
  it("publishes the event an order just committed from memory, without reading the outbox back", async () => {
    const [untold] = await committedUntold(1);
    const admin = await adminToken(app);
    const product = await createProduct(app, admin, { name: "Relayed", price: 100, stock: 5 });
    const member = await signUpMember(app);
    await chargePoints(app, member, 1_000);
    const orderId = expectData(await placeOrder(app, member, { items: [{ productId: product.id, quantity: 1 }] }))
      .placeOrder.id;

    const job = await until("the order's event on the data platform's queue", async () => {
      const jobs = await platformQueue().getJobs(["waiting"]);
      return jobs.find((candidate) => "event" in candidate.data && candidate.data.event.order.id === orderId);
    });
    // The job is the event the order wrote, keyed by its id, and names no outbox row.
    expect(job.id).toBe((job.data as { event: OrderEvent }).event.eventId);
    expect(Object.keys(job.data)).toEqual(["event"]);
    const [[row]] = (await app.database.pool.query("SELECT payload FROM outbox WHERE event_id = ?", [job.id])) as [
      Array<{ payload: string | object }>,
      unknown,
    ];
    const stored = typeof row!.payload === "string" ? (JSON.parse(row!.payload) as OrderEvent) : row!.payload;
    expect(job.data).toEqual({ event: stored });
    await until("the order's row marked published", () => allPublished([stored as OrderEvent]));
    // The row committed earlier without a notify was not read along: it waits for the sweep.
    expect(await published([untold!])).toEqual([false]);

    app.relay.notify();
    await until("the untold row published by a read of the outbox", () => allPublished([untold!]));
    for (const queue of app.queues) expect(await queue.getJob(untold!.eventId)).toBeDefined();
  });

  it("reads the outbox instead when more events wait than it keeps in memory", async () => {
    const relay = new OutboxRelay(app.database.db, app.queues, app.log, { batchSize: 2 });
    const [untold] = await committedUntold(1);
    // Four batches of two are kept; nine are more: the relay reads the rows, the untold one with them.
    const told = await committedUntold(9);
    relay.notify(told);
    await until("every row published", () => allPublished([...told, untold!]));
    await relay.stop();
  });

  it("leaves what it could not publish unpublished in the outbox, where the sweep finds it", async () => {
    const connections = new QueueConnections(redisTarget(app.config));
    const closed = new Queue<OrderEventJob>("ranking", {
      connection: connections.producer(),
      prefix: queuePrefix(app.config.redisPrefix),
    });
    await closed.close();
    const failing = new OutboxRelay(app.database.db, [closed], app.log, {});
    const events = await committedUntold(2);
    failing.notify(events);
    await failing.stop();
    expect(await published(events)).toEqual([false, false]);
    expect(logLines.some((line) => line.includes("outbox relay: publishing failed, the sweep will retry"))).toBe(true);
    await connections.close();

    app.relay.notify();
    await until("the rows published by the next read", () => allPublished(events));
    for (const queue of app.queues) {
      const queued = (await queue.getJobs(["waiting"])).flatMap((job) =>
        eventsOf(job.data).map((event) => event.eventId),
      );
      expect(queued).toEqual(expect.arrayContaining(events.map((event) => event.eventId)));
    }
  });
});
