import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { createFakePaymentGateway, type FakePaymentGateway } from "./fake-pg.js";

describe(`${createFakePaymentGateway.name}: Idempotency-Key`, () => {
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

  async function authenticated(
    orderId = "order-0001",
  ): Promise<{ paymentKey: string; orderId: string; amount: number }> {
    return { paymentKey: await driver.authenticate(orderId, 15_000), orderId, amount: 15_000 };
  }

  it("answers a repeated confirm with the first answer, without confirming again", async () => {
    const payment = await authenticated();
    const first = await driver.confirm(payment, { idempotencyKey: "confirm-1" });
    expect(first.status).toBe(200);
    // The payment moves on; the repeat still gets the answer of its first request.
    await driver.cancel(payment.paymentKey, { cancelReason: "refund" });

    const repeat = await driver.confirm(payment, { idempotencyKey: "confirm-1" });
    expect(repeat).toEqual(first);
    expect(pg.requests({ route: "confirm" })).toMatchObject([
      { idempotencyKey: "confirm-1", status: 200 },
      { idempotencyKey: "confirm-1", status: 200, replayed: true },
    ]);
    expect(pg.payments()[0]).toMatchObject({ status: "CANCELED" });
  });

  it("answers a repeat with the first answer when that was an error too", async () => {
    const payment = await authenticated();
    const wrongAmount = { ...payment, amount: 1 };
    const first = await driver.confirm(wrongAmount, { idempotencyKey: "confirm-1" });
    expect(first).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
    expect(await driver.confirm(wrongAmount, { idempotencyKey: "confirm-1" })).toEqual(first);
    expect((await driver.confirm(payment, { idempotencyKey: "confirm-2" })).status).toBe(200);
  });

  it("counts a body with its fields in another order as the same request", async () => {
    const { paymentKey, orderId, amount } = await authenticated();
    const first = await driver.confirm({ paymentKey, orderId, amount }, { idempotencyKey: "confirm-1" });
    const repeat = await driver.confirm({ amount, orderId, paymentKey }, { idempotencyKey: "confirm-1" });
    expect(repeat).toEqual(first);
  });

  it("refuses the key with another body with 422 INVALID_IDEMPOTENCY_KEY, processing nothing", async () => {
    const first = await authenticated("order-0001");
    const second = await authenticated("order-0002");
    await driver.confirm(first, { idempotencyKey: "confirm-1" });
    const reused = await driver.confirm(second, { idempotencyKey: "confirm-1" });
    expect(reused).toMatchObject({ status: 422, body: { code: "INVALID_IDEMPOTENCY_KEY" } });
    expect(pg.payments().map((payment) => payment.status)).toEqual(["DONE", "IN_PROGRESS"]);
  });

  it("scopes a key to its route and path: the same key on confirm and on two cancels is three requests", async () => {
    const first = await authenticated("order-0001");
    const second = await authenticated("order-0002");
    expect((await driver.confirm(first, { idempotencyKey: "shared" })).status).toBe(200);
    expect((await driver.confirm(second, { idempotencyKey: "other" })).status).toBe(200);
    const cancelFirst = await driver.cancel(first.paymentKey, { cancelReason: "x" }, { idempotencyKey: "shared" });
    const cancelSecond = await driver.cancel(second.paymentKey, { cancelReason: "x" }, { idempotencyKey: "shared" });
    expect([cancelFirst.body.status, cancelSecond.body.status]).toEqual(["CANCELED", "CANCELED"]);
  });

  it("cancels once for a repeated cancel", async () => {
    const payment = await authenticated();
    await driver.confirm(payment);
    const body = { cancelReason: "one line", cancelAmount: 5_000 };
    const first = await driver.cancel(payment.paymentKey, body, { idempotencyKey: "cancel-1" });
    const repeat = await driver.cancel(payment.paymentKey, body, { idempotencyKey: "cancel-1" });
    expect(repeat).toEqual(first);
    expect(await driver.payment(payment.paymentKey)).toMatchObject({ body: { balanceAmount: 10_000 } });
  });

  it("refuses a repeat while the first request is still being processed with 409 IDEMPOTENT_REQUEST_PROCESSING", async () => {
    const payment = await authenticated();
    await driver.control({ rules: [{ route: "confirm", action: { type: "delay", ms: 1_000 } }] });
    const first = driver.confirm(payment, { idempotencyKey: "confirm-1" });
    // The rule is applied in the same step as the key is claimed: once it shows, the key is taken.
    await vi.waitFor(() => expect(pg.requests({ route: "confirm" })).toMatchObject([{ injected: "delay" }]), {
      timeout: 5_000,
    });

    const meanwhile = await driver.confirm(payment, { idempotencyKey: "confirm-1" });
    expect(meanwhile).toMatchObject({ status: 409, body: { code: "IDEMPOTENT_REQUEST_PROCESSING" } });
    expect(await first).toMatchObject({ status: 200, body: { status: "DONE" } });
    expect((await driver.confirm(payment, { idempotencyKey: "confirm-1" })).status).toBe(200);
  });
});
