import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { createFakePaymentGateway, type FakePaymentGateway } from "./fake-pg.js";

let sequence = 0;
const anOrderId = (): string => `order-${String((sequence += 1)).padStart(4, "0")}`;

describe(`${createFakePaymentGateway.name}: the server API`, () => {
  let pg: FakePaymentGateway;
  let driver: FakePgDriver;

  async function start(options?: Parameters<typeof createFakePaymentGateway>[0]): Promise<void> {
    pg = createFakePaymentGateway(options);
    const address = await pg.listen(0);
    driver = new FakePgDriver(`http://127.0.0.1:${address.port}`);
  }

  /** A payment authenticated in the window, ready to confirm. */
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

  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await pg.close();
  });

  describe("confirm", () => {
    it("approves an authenticated payment and answers Toss's Payment object", async () => {
      const { paymentKey, orderId } = await authenticated(15_000);
      expect(await driver.payment(paymentKey)).toMatchObject({
        status: 200,
        body: { status: "IN_PROGRESS", approvedAt: null },
      });

      const confirmed = await driver.confirm({ paymentKey, orderId, amount: 15_000 });
      expect(confirmed).toMatchObject({
        status: 200,
        body: {
          paymentKey,
          orderId,
          orderName: "Kimbap and 2 more",
          status: "DONE",
          totalAmount: 15_000,
          balanceAmount: 15_000,
          method: "CARD",
          currency: "KRW",
          cancels: [],
        },
      });
      // Toss's times: to the second, in Korean time with the offset.
      const { requestedAt, approvedAt, lastTransactionKey } = confirmed.body;
      expect(approvedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
      expect(requestedAt).toMatch(/\+09:00$/);
      expect(Math.abs(Date.parse(String(approvedAt)) - Date.now())).toBeLessThan(60_000);
      expect(lastTransactionKey).toMatch(/^[0-9a-f]{32}$/);

      expect(await driver.payment(paymentKey)).toEqual(confirmed);
      expect(await driver.paymentOfOrder(orderId)).toEqual(confirmed);
    });

    it("answers 404 NOT_FOUND_PAYMENT for a paymentKey it never issued", async () => {
      const answer = await driver.confirm({ paymentKey: "fpk_unknown", orderId: anOrderId(), amount: 1_000 });
      expect(answer).toMatchObject({ status: 404, body: { code: "NOT_FOUND_PAYMENT" } });
    });

    it("refuses another orderId or another amount with 400 INVALID_REQUEST and leaves the payment as it was", async () => {
      const { paymentKey, orderId } = await authenticated(15_000);
      const otherOrder = await driver.confirm({ paymentKey, orderId: anOrderId(), amount: 15_000 });
      expect(otherOrder).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
      const otherAmount = await driver.confirm({ paymentKey, orderId, amount: 14_999 });
      expect(otherAmount).toMatchObject({ status: 400, body: { code: "INVALID_REQUEST" } });
      expect(otherAmount.body.message).toContain("amount mismatch");
      expect(await statusOf(paymentKey)).toBe("IN_PROGRESS");

      expect((await driver.confirm({ paymentKey, orderId, amount: 15_000 })).status).toBe(200);
    });

    it("answers 400 ALREADY_PROCESSED_PAYMENT to a second confirm under another key", async () => {
      const { paymentKey, orderId } = await approved(15_000);
      const again = await driver.confirm({ paymentKey, orderId, amount: 15_000 });
      expect(again).toMatchObject({ status: 400, body: { code: "ALREADY_PROCESSED_PAYMENT" } });
    });

    it("approves one session of an orderId only: another tab's confirm is 400 DUPLICATED_ORDER_ID", async () => {
      const orderId = anOrderId();
      const first = await driver.authenticate(orderId, 15_000);
      const second = await driver.authenticate(orderId, 15_000);
      expect((await driver.confirm({ paymentKey: second, orderId, amount: 15_000 })).status).toBe(200);
      const late = await driver.confirm({ paymentKey: first, orderId, amount: 15_000 });
      expect(late).toMatchObject({ status: 400, body: { code: "DUPLICATED_ORDER_ID" } });
      expect(await statusOf(first)).toBe("IN_PROGRESS");
    });
  });

  describe("the confirm window", () => {
    it("expires a payment not confirmed within it: 404 NOT_FOUND_PAYMENT_SESSION, then EXPIRED to every reader", async () => {
      const justInTime = await authenticated();
      pg.advanceClock(599);
      const leftTooLong = await authenticated();
      expect((await driver.confirm(justInTime)).status).toBe(200);

      pg.advanceClock(600);
      const expired = await driver.confirm(leftTooLong);
      expect(expired).toMatchObject({ status: 404, body: { code: "NOT_FOUND_PAYMENT_SESSION" } });
      expect(await driver.payment(leftTooLong.paymentKey)).toMatchObject({
        body: { status: "EXPIRED", approvedAt: null },
      });
      expect(await driver.paymentOfOrder(leftTooLong.orderId)).toMatchObject({ body: { status: "EXPIRED" } });
      const again = await driver.confirm(leftTooLong);
      expect(again).toMatchObject({ status: 404, body: { code: "NOT_FOUND_PAYMENT_SESSION" } });
      // An approved payment has nothing left to expire.
      expect(await statusOf(justInTime.paymentKey)).toBe("DONE");
    });

    it("reads the time from the injected clock, and the window's length from its option", async () => {
      await pg.close();
      let now = new Date("2025-03-01T09:00:00.000Z");
      await start({ now: () => now, confirmWindowSeconds: 30 });
      const payment = await authenticated();
      expect((await driver.payment(payment.paymentKey)).body.requestedAt).toBe("2025-03-01T18:00:00+09:00");

      now = new Date("2025-03-01T09:00:29.000Z");
      expect(await statusOf(payment.paymentKey)).toBe("IN_PROGRESS");
      now = new Date("2025-03-01T09:00:30.000Z");
      expect(await statusOf(payment.paymentKey)).toBe("EXPIRED");
      expect(await driver.confirm(payment)).toMatchObject({ status: 404, body: { code: "NOT_FOUND_PAYMENT_SESSION" } });
    });
  });

  describe("cancel", () => {
    it("cancels part, then the rest, then refuses with 400 ALREADY_CANCELED_PAYMENT", async () => {
      const { paymentKey } = await approved(15_000);
      const part = await driver.cancel(paymentKey, { cancelReason: "one line out of stock", cancelAmount: 4_000 });
      expect(part).toMatchObject({
        status: 200,
        body: {
          status: "PARTIAL_CANCELED",
          balanceAmount: 11_000,
          cancels: [{ cancelReason: "one line out of stock", cancelAmount: 4_000, refundableAmount: 11_000 }],
        },
      });
      const rest = await driver.cancel(paymentKey, { cancelReason: "the buyer changed their mind" });
      expect(rest).toMatchObject({ status: 200, body: { status: "CANCELED", balanceAmount: 0 } });
      const cancels = rest.body.cancels as Array<{ cancelAmount: number; transactionKey: string; canceledAt: string }>;
      expect(cancels.map((cancel) => cancel.cancelAmount)).toEqual([4_000, 11_000]);
      expect(new Set(cancels.map((cancel) => cancel.transactionKey)).size).toBe(2);
      expect(rest.body.lastTransactionKey).toBe(cancels[1]?.transactionKey);
      expect(cancels[1]?.canceledAt).toMatch(/\+09:00$/);

      const again = await driver.cancel(paymentKey, { cancelReason: "again" });
      expect(again).toMatchObject({ status: 400, body: { code: "ALREADY_CANCELED_PAYMENT" } });
    });

    it("refuses more than the balance with 400 NOT_CANCELABLE_AMOUNT, changing nothing", async () => {
      const { paymentKey } = await approved(15_000);
      await driver.cancel(paymentKey, { cancelReason: "part", cancelAmount: 10_000 });
      const over = await driver.cancel(paymentKey, { cancelReason: "too much", cancelAmount: 5_001 });
      expect(over).toMatchObject({ status: 400, body: { code: "NOT_CANCELABLE_AMOUNT" } });
      expect(await driver.payment(paymentKey)).toMatchObject({
        body: { balanceAmount: 5_000, status: "PARTIAL_CANCELED" },
      });
      const exact = await driver.cancel(paymentKey, { cancelReason: "the rest", cancelAmount: 5_000 });
      expect(exact).toMatchObject({ status: 200, body: { status: "CANCELED", balanceAmount: 0 } });
    });

    it("refuses a payment never approved with 403 NOT_CANCELABLE_PAYMENT, and an unknown one with 404", async () => {
      const { paymentKey } = await authenticated();
      const unconfirmed = await driver.cancel(paymentKey, { cancelReason: "never paid" });
      expect(unconfirmed).toMatchObject({ status: 403, body: { code: "NOT_CANCELABLE_PAYMENT" } });
      pg.advanceClock(600);
      const expired = await driver.cancel(paymentKey, { cancelReason: "never paid" });
      expect(expired).toMatchObject({ status: 403, body: { code: "NOT_CANCELABLE_PAYMENT" } });
      const unknown = await driver.cancel("fpk_unknown", { cancelReason: "who?" });
      expect(unknown).toMatchObject({ status: 404, body: { code: "NOT_FOUND_PAYMENT" } });
    });
  });

  describe("reads", () => {
    it("answers 404 NOT_FOUND_PAYMENT for an unknown paymentKey or orderId", async () => {
      expect(await driver.payment("fpk_unknown")).toMatchObject({ status: 404, body: { code: "NOT_FOUND_PAYMENT" } });
      expect(await driver.paymentOfOrder(anOrderId())).toMatchObject({
        status: 404,
        body: { code: "NOT_FOUND_PAYMENT" },
      });
    });

    it("answers by orderId the session that took the money, else the latest", async () => {
      const orderId = anOrderId();
      const first = await driver.authenticate(orderId, 15_000);
      const second = await driver.authenticate(orderId, 15_000);
      expect((await driver.paymentOfOrder(orderId)).body.paymentKey).toBe(second);

      await driver.confirm({ paymentKey: first, orderId, amount: 15_000 });
      expect((await driver.paymentOfOrder(orderId)).body).toMatchObject({ paymentKey: first, status: "DONE" });
      await driver.cancel(first, { cancelReason: "refund" });
      expect((await driver.paymentOfOrder(orderId)).body).toMatchObject({ paymentKey: first, status: "CANCELED" });
    });
  });
});
