import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { createFakePaymentGateway, type FakePaymentGateway, type FakePaymentGatewayOptions } from "./fake-pg.js";

interface Event {
  eventType: string;
  createdAt: string;
  data: { paymentKey: string; status: string; balanceAmount: number };
}

/** A shop's webhook endpoint: records what it is sent, answering the given statuses, then 200 (or nothing). */
async function startReceiver(statuses: number[] = [], answer = true) {
  const received: Event[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      received.push(JSON.parse(text) as Event);
      if (!answer) return;
      res.writeHead(statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/pg`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe(`${createFakePaymentGateway.name}: webhooks`, () => {
  let pg: FakePaymentGateway;
  let driver: FakePgDriver;
  const cleanups: Array<() => Promise<void>> = [];

  async function start(options: FakePaymentGatewayOptions): Promise<void> {
    pg = createFakePaymentGateway({ webhookRetryDelaysMs: [10, 10], ...options });
    const address = await pg.listen(0);
    driver = new FakePgDriver(`http://127.0.0.1:${address.port}`);
    cleanups.push(() => pg.close());
  }

  async function receiver(statuses: number[] = [], answer = true) {
    const started = await startReceiver(statuses, answer);
    cleanups.push(started.close);
    return started;
  }

  async function approved(orderId = "order-0001"): Promise<string> {
    const paymentKey = await driver.authenticate(orderId, 15_000);
    expect((await driver.confirm({ paymentKey, orderId, amount: 15_000 })).status).toBe(200);
    return paymentKey;
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("posts PAYMENT_STATUS_CHANGED with the payment on every change", async () => {
    const shop = await receiver();
    await start({ webhookUrl: shop.url });
    const paymentKey = await approved();
    await driver.cancel(paymentKey, { cancelReason: "one line", cancelAmount: 5_000 });
    await driver.cancel(paymentKey, { cancelReason: "the rest" });

    await vi.waitFor(() => expect(shop.received).toHaveLength(3), { timeout: 5_000 });
    for (const event of shop.received) {
      expect(event.eventType).toBe("PAYMENT_STATUS_CHANGED");
      expect(event.createdAt).toMatch(/\+09:00$/);
      expect(event.data.paymentKey).toBe(paymentKey);
    }
    // Deliveries run side by side, so they may arrive in any order: as with Toss, a receiver re-reads.
    expect(shop.received.map((event) => `${event.data.status} ${event.data.balanceAmount}`).sort()).toEqual([
      "CANCELED 0",
      "DONE 15000",
      "PARTIAL_CANCELED 10000",
    ]);
    await vi.waitFor(() =>
      expect(pg.webhookDeliveries().map((delivery) => [delivery.outcome, delivery.attempts])).toEqual([
        ["delivered", 1],
        ["delivered", 1],
        ["delivered", 1],
      ]),
    );
  });

  it("sends the changes no request made: EXPIRED when the window passes, ABORTED on a decline", async () => {
    const shop = await receiver();
    await start({ webhookUrl: shop.url });
    const expiring = await driver.authenticate("order-0001", 15_000);
    const declined = await driver.authenticate("order-0002", 15_000);
    await driver.control({ rules: [{ route: "confirm", action: { type: "decline" } }] });
    await driver.confirm({ paymentKey: declined, orderId: "order-0002", amount: 15_000 });
    await driver.control({ advanceClockSeconds: 600 });

    await vi.waitFor(() => expect(shop.received).toHaveLength(2), { timeout: 5_000 });
    expect(shop.received.map((event) => [event.data.paymentKey, event.data.status]).sort()).toEqual(
      [
        [expiring, "EXPIRED"],
        [declined, "ABORTED"],
      ].sort(),
    );
  });

  it("retries a delivery the receiver failed", async () => {
    const shop = await receiver([500, 503]);
    await start({ webhookUrl: shop.url });
    await approved();
    await vi.waitFor(() => expect(pg.webhookDeliveries()).toMatchObject([{ outcome: "delivered", attempts: 3 }]), {
      timeout: 5_000,
    });
    expect(shop.received).toHaveLength(3);
  });

  it("gives a delivery up after its retries, and never lets it fail or hold the API's answer", async () => {
    const failing = await receiver([500, 500, 500]);
    await start({ webhookUrl: failing.url });
    await approved("order-0001");
    await vi.waitFor(
      () => expect(pg.webhookDeliveries()).toMatchObject([{ outcome: "failed", attempts: 3, lastError: "HTTP 500" }]),
      {
        timeout: 5_000,
      },
    );

    const silent = await receiver([], false);
    await driver.control({ webhookUrl: silent.url });
    await approved("order-0002");
    expect(pg.webhookDeliveries()[1]).toMatchObject({ url: silent.url, outcome: "pending" });
  });

  it("takes its URL from /control, and sends nothing while it has none", async () => {
    const shop = await receiver();
    await start({});
    await approved("order-0001");
    expect(pg.webhookDeliveries()).toEqual([]);

    await driver.control({ webhookUrl: shop.url });
    await approved("order-0002");
    await vi.waitFor(() => expect(shop.received).toHaveLength(1), { timeout: 5_000 });
    expect(shop.received[0]?.data.status).toBe("DONE");

    expect(await driver.control({ webhookUrl: null })).toMatchObject({ body: { webhookUrl: null } });
    await approved("order-0003");
    expect(pg.webhookDeliveries()).toHaveLength(1);
  });
});
