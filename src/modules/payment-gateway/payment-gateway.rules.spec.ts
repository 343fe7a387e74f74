import { describe, expect, it } from "vitest";
import {
  MALFORMED_ANSWER,
  cancelAlreadyApplied,
  cancelIdempotencyKey,
  cancelledTotal,
  classifyCancel,
  classifyConfirm,
  classifyLookup,
  confirmIdempotencyKey,
  type PgAnswer,
  type PgPayment,
  type PgPaymentStatus,
} from "./payment-gateway.rules.js";

const payment = (overrides: Partial<PgPayment> = {}): PgPayment => ({
  paymentKey: "pk_1",
  orderId: "order-1",
  orderName: "2 items",
  status: "DONE",
  totalAmount: 15_000,
  balanceAmount: 15_000,
  method: "카드",
  requestedAt: "2025-03-01T09:30:00+09:00",
  approvedAt: "2025-03-01T09:30:05+09:00",
  cancels: null,
  ...overrides,
});

const paid = (overrides: Partial<PgPayment> = {}, status = 200): PgAnswer => ({
  kind: "answered",
  status,
  payment: payment(overrides),
  error: null,
});

const failed = (status: number, code: string, message = `${code} happened`): PgAnswer => ({
  kind: "answered",
  status,
  payment: null,
  error: { status, code, message },
});

const noAnswer = (reason: "connect-timeout" | "read-timeout" | "network"): PgAnswer => ({
  kind: "no-answer",
  reason,
  detail: "socket hang up",
});

/** What every classification counts as unknown, whatever the operation: nothing says what happened. */
const AMBIGUOUS: Array<{ name: string; answer: PgAnswer }> = [
  { name: "a connect timeout", answer: noAnswer("connect-timeout") },
  { name: "a read timeout", answer: noAnswer("read-timeout") },
  { name: "a network failure", answer: noAnswer("network") },
  { name: "a 500", answer: failed(500, "FAILED_INTERNAL_SYSTEM_PROCESSING") },
  { name: "a 503 from a proxy", answer: failed(503, MALFORMED_ANSWER) },
  { name: "a 409 for a key still being processed", answer: failed(409, "IDEMPOTENT_REQUEST_PROCESSING") },
  { name: "a 429", answer: failed(429, "TOO_MANY_REQUESTS") },
  { name: "a 408", answer: failed(408, "REQUEST_TIMEOUT") },
  { name: "a 425", answer: failed(425, "TOO_EARLY") },
  { name: "a 400 for a payment already processed", answer: failed(400, "ALREADY_PROCESSED_PAYMENT") },
  { name: "a 400 for a card company failure", answer: failed(400, "PROVIDER_ERROR") },
  { name: "a 400 for a card processing failure", answer: failed(400, "CARD_PROCESSING_ERROR") },
  { name: "a 403 for a request still being handled", answer: failed(403, "FORBIDDEN_CONSECUTIVE_REQUEST") },
  { name: "a malformed 200", answer: failed(200, MALFORMED_ANSWER) },
  { name: "a 404 that is not the PG's error body", answer: failed(404, MALFORMED_ANSWER) },
  { name: "a redirect", answer: failed(302, MALFORMED_ANSWER) },
  {
    name: "an answer with neither payment nor error",
    answer: { kind: "answered", status: 200, payment: null, error: null },
  },
  { name: "a payment on a 500", answer: paid({}, 500) },
];

const EXPECTED = { paymentKey: "pk_1", orderId: "order-1", amount: 15_000 };

describe(classifyConfirm.name, () => {
  it("approves a DONE payment with the same keys and amount", () => {
    expect(classifyConfirm(paid(), EXPECTED)).toEqual({
      outcome: "approved",
      payment: payment(),
      amountMismatch: false,
    });
  });

  it("approves a DONE payment for another amount, flagged for a refund", () => {
    expect(classifyConfirm(paid({ totalAmount: 14_000 }), EXPECTED)).toMatchObject({
      outcome: "approved",
      amountMismatch: true,
    });
  });

  it("approves on any 2xx carrying the payment", () => {
    expect(classifyConfirm(paid({}, 201), EXPECTED)).toMatchObject({ outcome: "approved" });
  });

  it.each([
    { status: 403, code: "REJECT_CARD_PAYMENT" },
    { status: 404, code: "NOT_FOUND_PAYMENT_SESSION" },
    { status: 404, code: "NOT_FOUND_PAYMENT" },
    { status: 400, code: "INVALID_REQUEST" },
    { status: 401, code: "UNAUTHORIZED_KEY" },
    { status: 400, code: "ABORTED" },
  ])("declines on $status $code", ({ status, code }) => {
    expect(classifyConfirm(failed(status, code, "refused"), EXPECTED)).toEqual({
      outcome: "declined",
      code,
      message: "refused",
    });
  });

  it.each(AMBIGUOUS)("is unknown on $name", ({ answer }) => {
    expect(classifyConfirm(answer, EXPECTED)).toMatchObject({ outcome: "unknown" });
  });

  it("says why it is unknown", () => {
    expect(classifyConfirm(noAnswer("read-timeout"), EXPECTED)).toEqual({
      outcome: "unknown",
      reason: "no answer (read-timeout): socket hang up",
    });
    expect(classifyConfirm(failed(500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "try later"), EXPECTED)).toEqual({
      outcome: "unknown",
      reason: "PG answered 500 FAILED_INTERNAL_SYSTEM_PROCESSING: try later",
    });
  });

  it.each<PgPaymentStatus>([
    "READY",
    "IN_PROGRESS",
    "WAITING_FOR_DEPOSIT",
    "CANCELED",
    "PARTIAL_CANCELED",
    "ABORTED",
    "EXPIRED",
  ])("is unknown on a 200 with a payment %s", (status) => {
    expect(classifyConfirm(paid({ status }), EXPECTED)).toEqual({
      outcome: "unknown",
      reason: `the confirm answered a payment in status ${status}`,
    });
  });

  it("is unknown on a DONE payment with another paymentKey or orderId", () => {
    expect(classifyConfirm(paid({ paymentKey: "pk_2" }), EXPECTED)).toEqual({
      outcome: "unknown",
      reason: "the PG answered with payment pk_2, not pk_1",
    });
    expect(classifyConfirm(paid({ orderId: "order-2" }), EXPECTED)).toEqual({
      outcome: "unknown",
      reason: "the PG answered with order order-2, not order-1",
    });
  });
});

describe(classifyLookup.name, () => {
  it.each<PgPaymentStatus>(["DONE", "PARTIAL_CANCELED", "CANCELED"])("is paid when the payment is %s", (status) => {
    expect(classifyLookup(paid({ status }))).toEqual({ state: "paid", payment: payment({ status }) });
  });

  it.each<PgPaymentStatus>(["ABORTED", "EXPIRED"])("is not paid when the payment is %s", (status) => {
    expect(classifyLookup(paid({ status }))).toEqual({
      state: "not-paid",
      payment: payment({ status }),
      why: `the payment is ${status}`,
    });
  });

  it("is not paid when the PG knows no such payment", () => {
    expect(classifyLookup(failed(404, "NOT_FOUND_PAYMENT", "no payment"))).toEqual({
      state: "not-paid",
      payment: null,
      why: "PG answered 404 NOT_FOUND_PAYMENT: no payment",
    });
  });

  it.each<PgPaymentStatus>(["READY", "IN_PROGRESS", "WAITING_FOR_DEPOSIT"])(
    "is pending when the payment is %s",
    (status) => {
      expect(classifyLookup(paid({ status }))).toEqual({ state: "pending", payment: payment({ status }) });
    },
  );

  it.each(AMBIGUOUS)("is unknown on $name", ({ answer }) => {
    expect(classifyLookup(answer)).toMatchObject({ state: "unknown" });
  });

  it.each([
    { status: 400, code: "NOT_FOUND_PAYMENT" },
    { status: 404, code: "NOT_FOUND_PAYMENT_SESSION" },
    { status: 401, code: "UNAUTHORIZED_KEY" },
    { status: 403, code: "FORBIDDEN_REQUEST" },
  ])("is unknown on any other 4xx: $status $code", ({ status, code }) => {
    expect(classifyLookup(failed(status, code, "no"))).toEqual({
      state: "unknown",
      reason: `PG answered ${status} ${code}: no`,
    });
  });

  it("is unknown when the answer is about another payment or order", () => {
    expect(classifyLookup(paid(), { paymentKey: "pk_2" })).toMatchObject({ state: "unknown" });
    expect(classifyLookup(paid(), { orderId: "order-2" })).toMatchObject({ state: "unknown" });
    expect(classifyLookup(paid(), { paymentKey: "pk_1", orderId: "order-1" })).toMatchObject({ state: "paid" });
  });
});

describe(classifyCancel.name, () => {
  it.each<PgPaymentStatus>(["CANCELED", "PARTIAL_CANCELED"])(
    "is cancelled when the answer's payment is %s",
    (status) => {
      expect(classifyCancel(paid({ status }))).toEqual({ outcome: "cancelled", payment: payment({ status }) });
    },
  );

  it.each(["ALREADY_CANCELED_PAYMENT", "ALREADY_REFUND_PAYMENT"])("is already cancelled on a 400 %s", (code) => {
    expect(classifyCancel(failed(400, code))).toEqual({ outcome: "already-cancelled" });
  });

  it.each([
    { status: 403, code: "NOT_CANCELABLE_AMOUNT" },
    { status: 403, code: "NOT_CANCELABLE_PAYMENT" },
    { status: 404, code: "NOT_FOUND_PAYMENT" },
    { status: 400, code: "INVALID_REQUEST" },
  ])("is refused on $status $code", ({ status, code }) => {
    expect(classifyCancel(failed(status, code, "no"))).toEqual({ outcome: "refused", code, message: "no" });
  });

  it.each(AMBIGUOUS)("is unknown on $name", ({ answer }) => {
    expect(classifyCancel(answer)).toMatchObject({ outcome: "unknown" });
  });

  it("is unknown on a 200 whose payment shows no cancel", () => {
    expect(classifyCancel(paid({ status: "DONE" }))).toEqual({
      outcome: "unknown",
      reason: "the cancel answered a payment in status DONE",
    });
  });

  it("is unknown when the answer is about another payment", () => {
    expect(classifyCancel(paid({ status: "CANCELED" }), { paymentKey: "pk_2" })).toMatchObject({ outcome: "unknown" });
    expect(classifyCancel(paid({ status: "CANCELED" }), { paymentKey: "pk_1" })).toMatchObject({
      outcome: "cancelled",
    });
  });
});

describe(cancelledTotal.name, () => {
  it("is 0 without cancels", () => {
    expect(cancelledTotal(payment({ cancels: null }))).toBe(0);
    expect(cancelledTotal(payment({ cancels: [] }))).toBe(0);
  });

  it("adds up every cancel", () => {
    const cancels = [
      { cancelAmount: 1_000 },
      { cancelAmount: 2_500, transactionKey: "tx", cancelReason: "changed mind" },
    ];
    expect(cancelledTotal(payment({ cancels }))).toBe(3_500);
  });
});

describe(cancelAlreadyApplied.name, () => {
  it("is false while the PG shows only the cancels confirmed before", () => {
    expect(cancelAlreadyApplied(3_000, 3_000, 2_000)).toBe(false);
    expect(cancelAlreadyApplied(0, 0, 2_000)).toBe(false);
  });

  it("is true once the PG shows the pending cancel on top of them", () => {
    expect(cancelAlreadyApplied(5_000, 3_000, 2_000)).toBe(true);
    expect(cancelAlreadyApplied(2_000, 0, 2_000)).toBe(true);
  });

  it("is true when something else cancelled more besides, rather than risk refunding twice", () => {
    expect(cancelAlreadyApplied(9_000, 3_000, 2_000)).toBe(true);
  });

  it("is false when the PG's total falls short of the confirmed ones plus the pending cancel", () => {
    expect(cancelAlreadyApplied(4_000, 3_000, 2_000)).toBe(false);
    expect(cancelAlreadyApplied(1_000, 3_000, 2_000)).toBe(false);
  });

  it.each([
    [-1, 0, 1],
    [0, -1, 1],
    [0, 0, -1],
    [Number.NaN, 0, 1],
    [0, Number.POSITIVE_INFINITY, 1],
  ])("refuses amounts that are not amounts: %s, %s, %s", (pg, before, amount) => {
    expect(() => cancelAlreadyApplied(pg, before, amount)).toThrow(RangeError);
  });

  it("refuses a cancel of 0", () => {
    expect(() => cancelAlreadyApplied(0, 0, 0)).toThrow(/never sent/);
  });
});

describe("idempotency keys", () => {
  it("derives the same key from the same id every time, apart for confirms and cancels", () => {
    expect(confirmIdempotencyKey("42")).toBe("confirm-42");
    expect(confirmIdempotencyKey("42")).toBe(confirmIdempotencyKey("42"));
    expect(cancelIdempotencyKey("42")).toBe("cancel-42");
  });

  it("takes ids up to Toss's 300 characters with the prefix", () => {
    expect(confirmIdempotencyKey("a".repeat(292))).toHaveLength(300);
    expect(cancelIdempotencyKey("a".repeat(293))).toHaveLength(300);
    expect(() => confirmIdempotencyKey("a".repeat(293))).toThrow(RangeError);
    expect(() => cancelIdempotencyKey("a".repeat(294))).toThrow(RangeError);
  });

  it.each(["", "with space", "line\nbreak", "한글"])("refuses an id unsafe in a header: %j", (id) => {
    expect(() => confirmIdempotencyKey(id)).toThrow(RangeError);
  });
});
