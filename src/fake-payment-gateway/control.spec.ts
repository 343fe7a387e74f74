import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { createFakePaymentGateway, type FakePaymentGateway } from "./fake-pg.js";
import { RequestLog } from "./request-log.js";

let sequence = 0;
const anOrderId = (): string => `order-${String((sequence += 1)).padStart(4, "0")}`;

describe(`${createFakePaymentGateway.name}: /control`, () => {
  let pg: FakePaymentGateway;
  let driver: FakePgDriver;

  beforeEach(async () => {
    pg = createFakePaymentGateway();
    const address = await pg.listen(0);
    driver = new FakePgDriver(`http://127.0.0.1:${address.port}`);
  });

  afterEach(async () => {
    await pg.close();
  });

  async function authenticated(amount = 15_000): Promise<{ paymentKey: string; orderId: string; amount: number }> {
    const orderId = anOrderId();
    return { paymentKey: await driver.authenticate(orderId, amount), orderId, amount };
  }

  const rule = (route: string, action: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    rules: [{ route, action, ...extra }],
  });

  describe("state", () => {
    it("shows waiting rules with their uses left; reset drops them", async () => {
      await driver.control(rule("get", { type: "error", status: 500 }, { times: 3 }));
      await driver.payment("fpk_any");
      const state = await driver.listing<{ rules: unknown[] }>("/control");
      expect(state.rules).toEqual([
        {
          route: "get",
          orderId: null,
          paymentKey: null,
          times: 2,
          action: {
            type: "error",
            status: 500,
            code: "FAILED_INTERNAL_SYSTEM_PROCESSING",
            message: "injected failure",
          },
        },
      ]);
      expect(await driver.control({ reset: true })).toMatchObject({ status: 200, body: { rules: [] } });
      expect((await driver.payment("fpk_any")).status).toBe(404);
    });

    it("clear forgets payments, keys and the request log", async () => {
      const payment = await authenticated();
      await driver.confirm(payment, { idempotencyKey: "confirm-1" });
      await driver.control({ clear: true });
      expect(await driver.listing("/control/payments")).toEqual({ count: 0, payments: [] });
      expect(await driver.listing("/control/requests")).toEqual({ count: 0, requests: [] });
      expect(await driver.payment(payment.paymentKey)).toMatchObject({ status: 404 });
    });

    it("moves the clock on with advanceClockSeconds, expiring what the jump passed", async () => {
      const payment = await authenticated();
      const before = await driver.listing<{ now: string }>("/control");
      const moved = await driver.control({ advanceClockSeconds: 600 });
      expect(moved.body.clockOffsetSeconds).toBe(600);
      expect(Date.parse(String(moved.body.now)) - Date.parse(before.now)).toBeGreaterThanOrEqual(600_000);
      expect(await driver.listing("/control/payments")).toMatchObject({ payments: [{ status: "EXPIRED" }] });
      expect(await driver.confirm(payment)).toMatchObject({ status: 404, body: { code: "NOT_FOUND_PAYMENT_SESSION" } });
    });

    it("lists every session and every API request, filtered by orderId, so a test can tell the PG was never called", async () => {
      const called = await authenticated();
      const untouched = await authenticated();
      await driver.confirm(called, { idempotencyKey: "confirm-1" });
      await driver.call("GET", `/v1/payments/orders/${called.orderId}`, { authorization: null });

      const requests = await driver.listing<{ count: number; requests: unknown[] }>(
        `/control/requests?orderId=${called.orderId}`,
      );
      expect(requests.requests).toMatchObject([
        { method: "POST", route: "confirm", paymentKey: called.paymentKey, idempotencyKey: "confirm-1", status: 200 },
        { method: "GET", route: "get", path: `/v1/payments/orders/${called.orderId}`, status: 401 },
      ]);
      expect(await driver.listing(`/control/requests?orderId=${untouched.orderId}`)).toEqual({
        count: 0,
        requests: [],
      });
      expect(await driver.listing(`/control/payments?orderId=${untouched.orderId}`)).toMatchObject({
        count: 1,
        payments: [{ paymentKey: untouched.paymentKey, status: "IN_PROGRESS" }],
      });
    });

    it.each([
      ["an unknown field", { failRate: 1 }],
      ["rules that are not a list", { rules: {} }],
      ["an unknown route", rule("refund", { type: "drop" })],
      ["a declined cancel", rule("cancel", { type: "decline" })],
      ["an unknown action", rule("get", { type: "explode" })],
      ["an unlisted error status", rule("get", { type: "error", status: 418 })],
      ["a delay without ms", rule("get", { type: "delay" })],
      ["a zero times", rule("get", { type: "drop" }, { times: 0 })],
      ["a lower-case code", rule("confirm", { type: "decline", code: "nope" })],
      ["an unknown field in a rule", rule("get", { type: "drop" }, { orderID: "order-0001" })],
      ["a negative clock move", { advanceClockSeconds: -1 }],
      ["a webhookUrl that is not http", { webhookUrl: "ftp://x" }],
      ["a reset that is not a boolean", { reset: "yes" }],
      ["a body that is not an object", [1]],
    ])("refuses %s with 400 INVALID_REQUEST", async (_name, body) => {
      expect(await driver.control(body)).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
      expect(await driver.listing("/control")).toMatchObject({ rules: [], clockOffsetSeconds: 0 });
    });

    it("applies nothing of a request with one bad part", async () => {
      const good = { route: "get", action: { type: "drop" } };
      const badRule = { route: "get", action: { type: "delay", ms: -1 } };
      expect((await driver.control({ rules: [good, badRule] })).status).toBe(400);
      expect((await driver.control({ rules: [good], advanceClockSeconds: -1 })).status).toBe(400);
      expect((await driver.control({ advanceClockSeconds: 60, webhookUrl: "nowhere" })).status).toBe(400);
      const payment = await authenticated();
      const tooMany = await driver.control({ clear: true, rules: Array.from({ length: 1_001 }, () => good) });
      expect(tooMany).toMatchObject({ status: 400, body: { message: "at most 1000 rules may wait at once" } });
      expect(pg.payments()).toMatchObject([{ paymentKey: payment.paymentKey }]);
      expect(await driver.listing("/control")).toMatchObject({ rules: [], clockOffsetSeconds: 0, webhookUrl: null });
    });
  });
});

describe(RequestLog.name, () => {
  it("keeps the latest 10,000 requests", () => {
    const log = new RequestLog();
    for (let index = 0; index < 10_001; index += 1)
      log.record({ at: String(index), method: "GET", route: "get", path: "/", status: 200 });
    const entries = log.list();
    expect(entries).toHaveLength(10_000);
    expect(entries[0]?.at).toBe("1");
  });
});
