import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { rejectionOf } from "../../test/helpers/thrown.js";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { createFakePaymentGateway, type FakePaymentGateway } from "./fake-pg.js";

let sequence = 0;
const anOrderId = (): string => `order-${String((sequence += 1)).padStart(4, "0")}`;

describe(`${createFakePaymentGateway.name}: injected failures`, () => {
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

  const statusOf = async (paymentKey: string): Promise<unknown> => (await driver.payment(paymentKey)).body.status;
  const rule = (route: string, action: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    rules: [{ route, action, ...extra }],
  });

  describe("decline", () => {
    it("declines the confirm with 400 REJECT_CARD_PAYMENT and aborts the payment; its key keeps that answer", async () => {
      const payment = await authenticated();
      expect((await driver.control(rule("confirm", { type: "decline" }))).status).toBe(200);
      const declined = await driver.confirm(payment, { idempotencyKey: "confirm-1" });
      expect(declined).toMatchObject({ status: 400, body: { code: "REJECT_CARD_PAYMENT" } });
      expect(await statusOf(payment.paymentKey)).toBe("ABORTED");

      expect(await driver.confirm(payment, { idempotencyKey: "confirm-1" })).toEqual(declined);
      const retried = await driver.confirm(payment, { idempotencyKey: "confirm-2" });
      expect(retried).toMatchObject({ status: 400, body: { code: "ALREADY_PROCESSED_PAYMENT" } });
      expect(await statusOf(payment.paymentKey)).toBe("ABORTED");
    });

    it("answers the code and message it was given", async () => {
      const payment = await authenticated();
      await driver.control(rule("confirm", { type: "decline", code: "INVALID_STOPPED_CARD", message: "stopped card" }));
      const declined = await driver.confirm(payment);
      expect(declined).toEqual({ status: 400, body: { code: "INVALID_STOPPED_CARD", message: "stopped card" } });
    });
  });

  describe("error", () => {
    it.each([
      [500, "FAILED_INTERNAL_SYSTEM_PROCESSING"],
      [502, "BAD_GATEWAY"],
      [503, "SERVICE_UNAVAILABLE"],
      [409, "IDEMPOTENT_REQUEST_PROCESSING"],
      [429, "TOO_MANY_REQUESTS"],
    ])("answers %i %s without processing, and keeps nothing under the key", async (status, code) => {
      const payment = await authenticated();
      await driver.control(rule("confirm", { type: "error", status }));
      expect(await driver.confirm(payment, { idempotencyKey: "confirm-1" })).toMatchObject({ status, body: { code } });
      expect(await statusOf(payment.paymentKey)).toBe("IN_PROGRESS");
      expect((await driver.confirm(payment, { idempotencyKey: "confirm-1" })).status).toBe(200);
    });

    it("fails reads and cancels too, with the code it was given", async () => {
      const payment = await authenticated();
      await driver.confirm(payment);
      await driver.control({
        rules: [
          { route: "get", action: { type: "error", status: 503 } },
          { route: "cancel", action: { type: "error", status: 500, code: "FAILED_REFUND_PROCESS" } },
        ],
      });
      expect(await driver.paymentOfOrder(payment.orderId)).toMatchObject({ status: 503 });
      expect(await driver.cancel(payment.paymentKey, { cancelReason: "x" })).toMatchObject({
        status: 500,
        body: { code: "FAILED_REFUND_PROCESS" },
      });
      expect(await statusOf(payment.paymentKey)).toBe("DONE");
    });
  });

  describe("matching", () => {
    it("spoils `times` requests, then none", async () => {
      const payment = await authenticated();
      await driver.control(rule("get", { type: "error", status: 500 }, { times: 2 }));
      expect((await driver.payment(payment.paymentKey)).status).toBe(500);
      expect((await driver.payment(payment.paymentKey)).status).toBe(500);
      expect((await driver.payment(payment.paymentKey)).status).toBe(200);
    });

    it("applies a rule only to its orderId or paymentKey, whichever way the request names the payment", async () => {
      const target = await authenticated();
      const other = await authenticated();
      await driver.control({
        rules: [
          { route: "get", orderId: target.orderId, action: { type: "error", status: 500 } },
          { route: "get", paymentKey: target.paymentKey, action: { type: "error", status: 503 } },
        ],
      });
      expect((await driver.payment(other.paymentKey)).status).toBe(200);
      expect((await driver.paymentOfOrder(other.orderId)).status).toBe(200);
      expect((await driver.payment(target.paymentKey)).status).toBe(500);
      expect((await driver.paymentOfOrder(target.orderId)).status).toBe(503);
      expect((await driver.payment(target.paymentKey)).status).toBe(200);
    });
  });

  describe("delay, drop and process-then-hang", () => {
    it("delay: processes the request normally once the wait is over", async () => {
      const payment = await authenticated();
      await driver.control(rule("confirm", { type: "delay", ms: 50 }));
      expect(await driver.confirm(payment)).toMatchObject({ status: 200, body: { status: "DONE" } });
      expect(pg.requests()).toMatchObject([{ injected: "delay", status: 200 }]);
    });

    it("drop: the client sees the connection fail and the PG did nothing; a retry with the key works", async () => {
      const payment = await authenticated();
      await driver.control(rule("confirm", { type: "drop" }));
      expect(await rejectionOf(driver.confirm(payment, { idempotencyKey: "confirm-1" }))).toBeInstanceOf(TypeError);
      expect(await statusOf(payment.paymentKey)).toBe("IN_PROGRESS");
      expect(pg.requests({ route: "confirm" })).toMatchObject([{ injected: "drop", status: null }]);
      expect((await driver.confirm(payment, { idempotencyKey: "confirm-1" })).status).toBe(200);
    });

    it("process-then-hang: the payment is DONE though the client got no answer; the retry gets it", async () => {
      const payment = await authenticated();
      await driver.control(rule("confirm", { type: "process-then-hang" }));
      const givenUp = driver.call("POST", "/v1/payments/confirm", {
        body: payment,
        idempotencyKey: "confirm-1",
        signal: AbortSignal.timeout(300),
      });
      expect(await rejectionOf(givenUp)).toMatchObject({ name: "TimeoutError" });
      expect(await statusOf(payment.paymentKey)).toBe("DONE");
      expect(pg.requests({ route: "confirm" })).toMatchObject([{ injected: "process-then-hang", status: 200 }]);

      const retry = await driver.confirm(payment, { idempotencyKey: "confirm-1" });
      expect(retry).toMatchObject({ status: 200, body: { status: "DONE" } });
      expect(retry.body.approvedAt).toBe((await driver.payment(payment.paymentKey)).body.approvedAt);
    });

    it("process-then-hang with ms: the answer comes after the hold", async () => {
      const payment = await authenticated();
      await driver.confirm(payment);
      await driver.control(rule("cancel", { type: "process-then-hang", ms: 50 }));
      const answer = await driver.cancel(payment.paymentKey, { cancelReason: "x" });
      expect(answer).toMatchObject({ status: 200, body: { status: "CANCELED" } });
    });

    it("close() ends a held answer and a wait instead of waiting for them", async () => {
      const held = await authenticated();
      const delayed = await authenticated();
      await driver.control({
        rules: [
          { route: "confirm", paymentKey: held.paymentKey, action: { type: "process-then-hang" } },
          { route: "confirm", paymentKey: delayed.paymentKey, action: { type: "delay", ms: 600_000 } },
        ],
      });
      const heldAnswer = rejectionOf(driver.confirm(held));
      const delayedAnswer = driver.confirm(delayed, { idempotencyKey: "delayed-1" });
      await vi.waitFor(() => expect(pg.requests().filter((entry) => entry.injected !== undefined)).toHaveLength(2), {
        timeout: 5_000,
      });

      await pg.close();
      expect(await heldAnswer).toBeInstanceOf(TypeError);
      expect(await delayedAnswer).toMatchObject({ status: 503 });
      expect(pg.payments().map((payment) => payment.status)).toEqual(["DONE", "IN_PROGRESS"]);
    });
  });
});
