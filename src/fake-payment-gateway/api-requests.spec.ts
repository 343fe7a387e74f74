import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { createFakePaymentGateway, type FakePaymentGateway } from "./fake-pg.js";

let sequence = 0;
const anOrderId = (): string => `order-${String((sequence += 1)).padStart(4, "0")}`;

describe(`${createFakePaymentGateway.name}: what the server API refuses before looking at a payment`, () => {
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

  async function approved(amount = 15_000): Promise<{ paymentKey: string; orderId: string }> {
    const payment = await authenticated(amount);
    expect((await driver.confirm(payment)).status).toBe(200);
    return payment;
  }

  const statusOf = async (paymentKey: string): Promise<unknown> => (await driver.payment(paymentKey)).body.status;

  const wrongCredentials: Array<[string, string | null]> = [
    ["no Authorization header", null],
    ["another secret key", `Basic ${Buffer.from("test_sk_someone_else:").toString("base64")}`],
    ["the key without its colon", `Basic ${Buffer.from("test_sk_fakepg_0000000000000000").toString("base64")}`],
    ["a Bearer token", "Bearer test_sk_fakepg_0000000000000000"],
  ];

  it.each(wrongCredentials)("refuses %s with 401 UNAUTHORIZED_KEY on every route", async (_name, authorization) => {
    const { paymentKey, orderId } = await authenticated(15_000);
    const answers = [
      await driver.confirm({ paymentKey, orderId, amount: 15_000 }, { authorization }),
      await driver.cancel(paymentKey, { cancelReason: "x" }, { authorization }),
      await driver.call("GET", `/v1/payments/${paymentKey}`, { authorization }),
      await driver.call("GET", `/v1/payments/orders/${orderId}`, { authorization }),
    ];
    for (const answer of answers) expect(answer).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED_KEY" } });
    expect(await statusOf(paymentKey)).toBe("IN_PROGRESS");
  });

  it("refuses a confirm or cancel without an Idempotency-Key with 400 INVALID_REQUEST", async () => {
    const { paymentKey, orderId } = await authenticated(15_000);
    const confirm = await driver.confirm({ paymentKey, orderId, amount: 15_000 }, { idempotencyKey: null });
    expect(confirm).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
    expect(confirm.body.message).toContain("Idempotency-Key");
    const { paymentKey: done } = await approved();
    const cancel = await driver.cancel(done, { cancelReason: "x" }, { idempotencyKey: null });
    expect(cancel).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
    expect(await statusOf(paymentKey)).toBe("IN_PROGRESS");
    expect(await statusOf(done)).toBe("DONE");
  });

  it.each([
    ["not JSON", "{nope"],
    ["an array", "[]"],
    ["no paymentKey", JSON.stringify({ orderId: "order-9999", amount: 1 })],
    ["a zero amount", JSON.stringify({ paymentKey: "k", orderId: "order-9999", amount: 0 })],
    ["a negative amount", JSON.stringify({ paymentKey: "k", orderId: "order-9999", amount: -5 })],
    ["a fractional amount", JSON.stringify({ paymentKey: "k", orderId: "order-9999", amount: 1.5 })],
    ["an amount as a string", JSON.stringify({ paymentKey: "k", orderId: "order-9999", amount: "100" })],
    ["an unsafe amount", JSON.stringify({ paymentKey: "k", orderId: "order-9999", amount: 2 ** 53 })],
    ["a 5-character orderId", JSON.stringify({ paymentKey: "k", orderId: "order", amount: 1 })],
    ["a 65-character orderId", JSON.stringify({ paymentKey: "k", orderId: "o".repeat(65), amount: 1 })],
    ["an orderId with a dot", JSON.stringify({ paymentKey: "k", orderId: "order.0001", amount: 1 })],
  ])("refuses a confirm body with %s with 400 INVALID_REQUEST", async (_name, rawBody) => {
    const answer = await driver.call("POST", "/v1/payments/confirm", { rawBody });
    expect(answer).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
  });

  it.each([
    ["no cancelReason", {}],
    ["a blank cancelReason", { cancelReason: "  " }],
    ["a 201-character cancelReason", { cancelReason: "x".repeat(201) }],
    ["a zero cancelAmount", { cancelReason: "x", cancelAmount: 0 }],
    ["a fractional cancelAmount", { cancelReason: "x", cancelAmount: 0.5 }],
  ])("refuses a cancel body with %s with 400 INVALID_REQUEST, changing nothing", async (_name, body) => {
    const { paymentKey } = await approved(15_000);
    expect(await driver.cancel(paymentKey, body)).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
    expect(await driver.payment(paymentKey)).toMatchObject({ body: { status: "DONE", balanceAmount: 15_000 } });
  });

  it("refuses a body over 1 MB with 413 INVALID_REQUEST", async () => {
    const rawBody = JSON.stringify({ paymentKey: "k", orderId: "order-9999", amount: 1, padding: "x".repeat(1 << 20) });
    const answer = await driver.call("POST", "/v1/payments/confirm", { rawBody });
    expect(answer).toMatchObject({ status: 413, body: { code: "INVALID_REQUEST" } });
  });

  it("takes cancelAmount null as all that is left", async () => {
    const { paymentKey } = await approved(15_000);
    const answer = await driver.cancel(paymentKey, { cancelReason: "x", cancelAmount: null });
    expect(answer).toMatchObject({ status: 200, body: { status: "CANCELED", balanceAmount: 0 } });
  });

  it("answers unknown routes 404 NOT_FOUND and wrong methods 405, in the error shape", async () => {
    expect(await driver.call("GET", "/v1/refunds")).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    expect(await driver.call("GET", "/v1/payments/a/b/c")).toMatchObject({
      status: 404,
      body: { code: "NOT_FOUND" },
    });
    expect(await driver.call("GET", "/v1/payments/confirm")).toMatchObject({
      status: 405,
      body: { code: "METHOD_NOT_ALLOWED" },
    });
    expect(await driver.call("DELETE", "/v1/payments/fpk_x")).toMatchObject({ status: 405 });
    expect(await driver.call("GET", "/nowhere")).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    expect(await driver.call("GET", "/v1/payments/fpk_x/refunds")).toMatchObject({ status: 404 });
    expect(await driver.call("GET", "/v1/payments/%E0%A4%A")).toMatchObject({
      status: 400,
      body: { code: "INVALID_REQUEST" },
    });
    const health = await fetch(`${driver.baseUrl}/healthz`);
    expect(await health.json()).toEqual({ status: "ok" });
  });
});
