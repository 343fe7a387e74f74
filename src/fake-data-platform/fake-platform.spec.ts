import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OrderEvent, OrderEventType } from "../outbox/order-event.js";
import { createFakeDataPlatform, type FakeDataPlatform } from "./fake-platform.js";

let sequence = 0;

function anEvent(type: OrderEventType = "ORDER_PAID"): OrderEvent {
  sequence += 1;
  const paidAt = "2025-03-01T09:30:00.000Z";
  return {
    eventId: `0195a3c2-7d41-7b8e-9c10-${String(sequence).padStart(12, "0")}`,
    type,
    occurredAt: type === "ORDER_PAID" ? paidAt : "2025-03-02T10:15:30.123Z",
    order: {
      id: String(500 + sequence),
      memberId: "42",
      totalAmount: 119_000,
      paidAt,
      items: [
        { id: "9001", productId: "1", optionId: "10", quantity: 2, unitPrice: 39_000, status: "PAID" },
        {
          id: "9002",
          productId: "2",
          optionId: "20",
          quantity: 1,
          unitPrice: 41_000,
          status: type === "ORDER_PAID" ? "PAID" : "CANCELLED",
        },
      ],
    },
    ...(type === "ORDER_ITEM_CANCELLED" ? { orderItemId: "9002" } : {}),
  };
}

describe(createFakeDataPlatform.name, () => {
  let platform: FakeDataPlatform;
  let base: string;

  async function start(options?: Parameters<typeof createFakeDataPlatform>[0]): Promise<void> {
    platform = createFakeDataPlatform(options);
    const address = await platform.listen(0, "127.0.0.1");
    base = `http://127.0.0.1:${address.port}`;
  }

  function post(event: OrderEvent, key: string | null = event.eventId): Promise<Response> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (key !== null) headers["Idempotency-Key"] = key;
    return fetch(`${base}/events`, { method: "POST", headers, body: JSON.stringify(event) });
  }

  function control(body: unknown): Promise<Response> {
    return fetch(`${base}/control`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  async function listed(
    query = "",
  ): Promise<{ count: number; events: Array<{ eventId: string; type: string; deliveries: number }> }> {
    const response = await fetch(`${base}/events${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as {
      count: number;
      events: Array<{ eventId: string; type: string; deliveries: number }>;
    };
  }

  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await platform.close();
  });

  it("stores an event once per eventId and counts every delivery, duplicates included", async () => {
    const event = anEvent();

    const first = await post(event);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ stored: true });
    const again = await post(event);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });
    await post(event);

    const events = platform.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventId: event.eventId, type: "ORDER_PAID", deliveries: 3, body: event });
    expect(Number.isNaN(Date.parse(events[0]?.receivedAt ?? ""))).toBe(false);
    expect(await listed()).toMatchObject({ count: 1, events: [{ eventId: event.eventId, deliveries: 3 }] });
  });

  it("keeps events with different ids apart", async () => {
    const paid = anEvent();
    const cancelled = anEvent("ORDER_ITEM_CANCELLED");
    expect((await post(paid)).status).toBe(201);
    expect((await post(cancelled)).status).toBe(201);
    expect(platform.events().map((event) => [event.eventId, event.deliveries])).toEqual([
      [paid.eventId, 1],
      [cancelled.eventId, 1],
    ]);
  });

  it("refuses with 400, storing nothing, when the Idempotency-Key header is missing or differs from eventId", async () => {
    const event = anEvent();
    const missing = await post(event, null);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: expect.stringContaining("Idempotency-Key") as string });
    const differs = await post(event, "some-other-key");
    expect(differs.status).toBe(400);
    expect(await differs.json()).toMatchObject({ error: expect.stringContaining("eventId") as string });
    expect(platform.events()).toEqual([]);
  });

  it("refuses with 400 a body that is not JSON or not an order event", async () => {
    const notJson = await fetch(`${base}/events`, {
      method: "POST",
      headers: { "Idempotency-Key": "k" },
      body: "{not json",
    });
    expect(notJson.status).toBe(400);
    const unknownType = await post({ ...anEvent(), type: "ORDER_SHIPPED" as OrderEventType });
    expect(unknownType.status).toBe(400);
    const array = await fetch(`${base}/events`, { method: "POST", headers: { "Idempotency-Key": "k" }, body: "[]" });
    expect(array.status).toBe(400);
    expect(platform.events()).toEqual([]);
  });

  it("answers 503 and stores nothing when failRate is 1, then stores the retry once failures stop", async () => {
    await platform.close();
    await start({ failRate: 1 });
    const event = anEvent();

    const failed = await post(event);
    expect(failed.status).toBe(503);
    expect((await post(event)).status).toBe(503);
    expect(platform.events()).toEqual([]);
    expect((await listed()).count).toBe(0);

    platform.setBehaviour({ failRate: 0 });
    expect((await post(event)).status).toBe(201);
    // The two refused attempts count: deliveries says how many POSTs the event took.
    expect(platform.events()).toMatchObject([{ eventId: event.eventId, deliveries: 3 }]);
  });

  it("draws the failure from the random source given to it", async () => {
    await platform.close();
    const draws = [0.2, 0.8];
    await start({ failRate: 0.5, random: () => draws.shift() ?? 0.99 });
    const event = anEvent();
    expect((await post(event)).status).toBe(503);
    expect((await post(event)).status).toBe(201);
  });

  it("changes its failure rate at run time through POST /control", async () => {
    const changed = await control({ failRate: 1 });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ failRate: 1, delayMs: 0 });
    const event = anEvent();
    expect((await post(event)).status).toBe(503);

    expect((await control({ failRate: 0 })).status).toBe(200);
    expect((await post(event)).status).toBe(201);
  });

  it.each([
    { failRate: 1.5 },
    { failRate: -0.1 },
    { failRate: "0.5" },
    { delayMs: -1 },
    { delayMs: 60_001 },
    { delayMs: 10.5 },
    { failrate: 1 },
    [1],
    null,
  ])("refuses the control body %j with 400 and keeps its behaviour", async (body) => {
    const response = await control(body);
    expect(response.status).toBe(400);
    expect((await post(anEvent())).status).toBe(201);
  });

  it("refuses an out-of-range behaviour in code as well", () => {
    expect(() => platform.setBehaviour({ failRate: 2 })).toThrow(RangeError);
    expect(() => createFakeDataPlatform({ delayMs: -5 })).toThrow(RangeError);
  });

  it("waits delayMs before answering", async () => {
    expect((await control({ delayMs: 200 })).status).toBe(200);
    const started = performance.now();
    const response = await post(anEvent());
    const waited = performance.now() - started;
    expect(response.status).toBe(201);
    expect(waited).toBeGreaterThanOrEqual(180);
  });

  it("answers requests still waiting out a delay with 503 when closed, instead of holding the close", async () => {
    platform.setBehaviour({ delayMs: 60_000 });
    const pending = post(anEvent());
    // Let the request reach the server before closing it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await platform.close();
    expect((await pending).status).toBe(503);
    expect(platform.events()).toEqual([]);
  });

  it("filters GET /events by type", async () => {
    const paid = anEvent();
    const cancelled = anEvent("ORDER_ITEM_CANCELLED");
    await post(paid);
    await post(cancelled);

    expect(await listed("?type=ORDER_ITEM_CANCELLED")).toMatchObject({
      count: 1,
      events: [{ eventId: cancelled.eventId, type: "ORDER_ITEM_CANCELLED" }],
    });
    expect(await listed("?type=ORDER_PAID")).toMatchObject({ count: 1, events: [{ eventId: paid.eventId }] });
    expect((await listed()).count).toBe(2);
  });

  it("counts stored events and their deliveries on GET /events/count, by type too, without the bodies", async () => {
    const paid = anEvent();
    await post(paid);
    await post(paid);
    await post(anEvent("ORDER_ITEM_CANCELLED"));

    const count = async (query = ""): Promise<unknown> => (await fetch(`${base}/events/count${query}`)).json();
    expect(await count()).toEqual({ count: 2, deliveries: 3 });
    expect(await count("?type=ORDER_PAID")).toEqual({ count: 1, deliveries: 2 });
    expect(await count("?type=ORDER_ITEM_CANCELLED")).toEqual({ count: 1, deliveries: 1 });
  });

  it("refuses a body over 1 MB with 413 and stores nothing", async () => {
    const event = { ...anEvent(), padding: "x".repeat(1024 * 1024) };
    const response = await fetch(`${base}/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": event.eventId },
      body: JSON.stringify(event),
    });
    expect(response.status).toBe(413);
    expect(platform.events()).toEqual([]);
  });

  it("forgets every event on DELETE /events, so an event is stored anew", async () => {
    const event = anEvent();
    await post(event);
    await post(anEvent());

    const cleared = await fetch(`${base}/events`, { method: "DELETE" });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ cleared: 2 });
    expect(await listed()).toEqual({ count: 0, events: [] });
    expect((await post(event)).status).toBe(201);
  });

  it("answers /healthz, and 404 or 405 in JSON otherwise", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const unknown = await fetch(`${base}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/json");
    expect(await unknown.json()).toMatchObject({ error: expect.any(String) as string });

    const wrongMethod = await fetch(`${base}/healthz`, { method: "POST", body: "{}" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
  });

  it("hands out copies, so a caller cannot change what it stored", async () => {
    await post(anEvent());
    const [copy] = platform.events();
    if (copy) copy.deliveries = 99;
    expect(platform.events()[0]?.deliveries).toBe(1);
  });
});
