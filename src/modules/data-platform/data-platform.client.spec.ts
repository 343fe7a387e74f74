import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeDataPlatform, type FakeDataPlatform } from "../../fake-data-platform/fake-platform.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import { DataPlatformClient, DataPlatformError } from "./data-platform.client.js";

let sequence = 0;

function anOrderPaidEvent(): OrderEvent {
  sequence += 1;
  return {
    eventId: `0195a3c2-7d41-7b8e-9c10-${String(sequence).padStart(12, "0")}`,
    type: "ORDER_PAID",
    occurredAt: "2025-03-01T09:30:00.000Z",
    order: {
      id: String(700 + sequence),
      memberId: "42",
      totalAmount: 80_000,
      paidAt: "2025-03-01T09:30:00.000Z",
      items: [{ id: "9101", productId: "3", optionId: "31", quantity: 2, unitPrice: 40_000, status: "PAID" }],
    },
  };
}

/** A real HTTP server answering every request with one fixed status and body. */
async function fixedAnswerServer(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(status, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function failureOf(work: Promise<unknown>): Promise<DataPlatformError> {
  const error = await work.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DataPlatformError);
  return error as DataPlatformError;
}

describe(DataPlatformClient.name, () => {
  let platform: FakeDataPlatform;
  let url: string;

  beforeEach(async () => {
    platform = createFakeDataPlatform();
    const { port } = await platform.listen(0, "127.0.0.1");
    url = `http://127.0.0.1:${port}/events`;
  });

  afterEach(async () => {
    await platform.close();
  });

  it("delivers the event as JSON with the eventId as Idempotency-Key", async () => {
    const event = anOrderPaidEvent();
    await new DataPlatformClient({ url }).send(event);

    // The fake answers 400 unless the header equals the body's eventId, so being stored proves it.
    expect(platform.events()).toMatchObject([
      { eventId: event.eventId, type: "ORDER_PAID", deliveries: 1, body: event },
    ]);
  });

  it("resolves on a resend the platform recognises as a duplicate", async () => {
    const client = new DataPlatformClient({ url });
    const event = anOrderPaidEvent();
    await client.send(event);
    await client.send(event);
    expect(platform.events()).toMatchObject([{ eventId: event.eventId, deliveries: 2 }]);
  });

  it("throws a retryable DataPlatformError with status 503 when the platform fails", async () => {
    platform.setBehaviour({ failRate: 1 });
    const error = await failureOf(new DataPlatformClient({ url }).send(anOrderPaidEvent()));
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(error.message).toContain("503");
    expect(error.message).toContain("injected failure");
    expect(platform.events()).toEqual([]);
  });

  it("throws with status null when nothing listens on the port", async () => {
    const closed = createFakeDataPlatform();
    const { port } = await closed.listen(0, "127.0.0.1");
    await closed.close();

    const error = await failureOf(
      new DataPlatformClient({ url: `http://127.0.0.1:${port}/events` }).send(anOrderPaidEvent()),
    );
    expect(error).toMatchObject({ status: null, retryable: true });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("throws with status null when the platform does not answer in time, and a retry is then a duplicate", async () => {
    platform.setBehaviour({ delayMs: 500 });
    const event = anOrderPaidEvent();
    const error = await failureOf(new DataPlatformClient({ url, timeoutMs: 100 }).send(event));
    expect(error).toMatchObject({ status: null, retryable: true });
    expect(error.message).toContain("100 ms");

    // The slow platform still stores the first attempt: the retry must succeed, not double-count.
    await expect.poll(() => platform.events().length, { timeout: 2_000 }).toBe(1);
    platform.setBehaviour({ delayMs: 0 });
    await new DataPlatformClient({ url }).send(event);
    expect(platform.events()).toMatchObject([{ eventId: event.eventId, deliveries: 2 }]);
  });

  it.each([
    { status: 400, retryable: false },
    { status: 401, retryable: false },
    { status: 404, retryable: false },
    { status: 408, retryable: true },
    { status: 409, retryable: true },
    { status: 425, retryable: true },
    { status: 429, retryable: true },
    { status: 500, retryable: true },
    { status: 502, retryable: true },
  ])("throws on $status, retryable: $retryable", async ({ status, retryable }) => {
    const server = await fixedAnswerServer(status, "nope");
    try {
      const error = await failureOf(new DataPlatformClient({ url: server.url }).send(anOrderPaidEvent()));
      expect(error).toMatchObject({ status, retryable });
      expect(error.message).toBe(`data platform answered ${status}: nope`);
    } finally {
      await server.close();
    }
  });

  it("quotes at most 200 characters of the answer in the message", async () => {
    const server = await fixedAnswerServer(500, `${"a".repeat(200)}TAIL-NOT-SHOWN`);
    try {
      const error = await failureOf(new DataPlatformClient({ url: server.url }).send(anOrderPaidEvent()));
      expect(error.message).toContain("a".repeat(200));
      expect(error.message).not.toContain("TAIL");
    } finally {
      await server.close();
    }
  });

  it("does not follow a redirect, which would turn the POST into a bodiless GET", async () => {
    const server = await fixedAnswerServer(302, "", { Location: url.replace("/events", "/healthz") });
    try {
      const error = await failureOf(new DataPlatformClient({ url: server.url }).send(anOrderPaidEvent()));
      expect(error).toMatchObject({ status: 302, retryable: false });
    } finally {
      await server.close();
    }
  });

  it("counts a 2xx as delivered even when the rest of the answer never comes", async () => {
    const stalling = http.createServer((req, res) => {
      req.resume();
      res.writeHead(201, { "Content-Type": "application/json" });
      res.write('{"sto'); // and never the rest
    });
    await new Promise<void>((resolve) => stalling.listen(0, "127.0.0.1", resolve));
    const { port } = stalling.address() as AddressInfo;
    const client = new DataPlatformClient({ url: `http://127.0.0.1:${port}/events`, timeoutMs: 100 });
    try {
      await expect(client.send(anOrderPaidEvent())).resolves.toBeUndefined();
    } finally {
      client.close();
      stalling.closeAllConnections();
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }
  });

  it("throws with status null when the connection drops in the middle of a failure's answer", async () => {
    const dropping = http.createServer((req, res) => {
      req.resume();
      res.writeHead(500, { "Content-Length": "100" });
      res.write("half an answer", () => res.destroy());
    });
    await new Promise<void>((resolve) => dropping.listen(0, "127.0.0.1", resolve));
    const { port } = dropping.address() as AddressInfo;
    try {
      const error = await failureOf(
        new DataPlatformClient({ url: `http://127.0.0.1:${port}/events` }).send(anOrderPaidEvent()),
      );
      expect(error).toMatchObject({ status: null, retryable: true });
      expect(error.message).toContain("data platform unreachable");
    } finally {
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
    }
  });

  it("refuses a URL or timeout that could never work", () => {
    expect(() => new DataPlatformClient({ url: "not a url" })).toThrow();
    expect(() => new DataPlatformClient({ url: "ftp://127.0.0.1/events" })).toThrow(RangeError);
    expect(() => new DataPlatformClient({ url, timeoutMs: 0 })).toThrow(RangeError);
  });
});
