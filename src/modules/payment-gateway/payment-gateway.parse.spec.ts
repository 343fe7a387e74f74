import { describe, expect, it } from "vitest";
import { answerOf, malformedAnswer, parseErrorBody, parsePayment } from "./payment-gateway.parse.js";
import { MALFORMED_ANSWER } from "./payment-gateway.rules.js";

/** A Payment object as Toss sends it: more fields than the shop reads. */
const tossPayment = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  mId: "tosspayments",
  version: "2022-11-16",
  paymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6",
  orderId: "a4CWyWY5m89PNh7xJwhk1",
  orderName: "토스 티셔츠 외 2건",
  status: "DONE",
  requestedAt: "2024-02-13T12:17:57+09:00",
  approvedAt: "2024-02-13T12:18:14+09:00",
  totalAmount: 1000,
  balanceAmount: 1000,
  method: "카드",
  card: { number: "43301234****123*", approveNo: "00000000" },
  cancels: null,
  ...overrides,
});

describe(parsePayment.name, () => {
  it("reads the fields the shop uses and leaves the rest out", () => {
    expect(parsePayment(tossPayment())).toEqual({
      paymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6",
      orderId: "a4CWyWY5m89PNh7xJwhk1",
      orderName: "토스 티셔츠 외 2건",
      status: "DONE",
      totalAmount: 1000,
      balanceAmount: 1000,
      method: "카드",
      requestedAt: "2024-02-13T12:17:57+09:00",
      approvedAt: "2024-02-13T12:18:14+09:00",
      cancels: null,
    });
  });

  it("reads the cancels", () => {
    const cancels = [
      {
        transactionKey: "tx1",
        cancelReason: "changed mind",
        cancelAmount: 300,
        canceledAt: "2024-02-14T10:00:00+09:00",
      },
      { cancelAmount: 200, refundableAmount: 500 },
    ];
    expect(parsePayment(tossPayment({ status: "PARTIAL_CANCELED", cancels }))?.cancels).toEqual([
      {
        transactionKey: "tx1",
        cancelReason: "changed mind",
        cancelAmount: 300,
        canceledAt: "2024-02-14T10:00:00+09:00",
      },
      { cancelAmount: 200 },
    ]);
  });

  it("reads absent and null optional fields alike", () => {
    const bare = { paymentKey: "pk", orderId: "o", status: "READY", totalAmount: 10, balanceAmount: 10 };
    const expected = { ...bare, method: null, approvedAt: null, cancels: null };
    expect(parsePayment(bare)).toEqual(expected);
    expect(
      parsePayment({ ...bare, orderName: null, requestedAt: null, method: null, approvedAt: null, cancels: null }),
    ).toEqual(expected);
  });

  it.each([
    ["not an object", "DONE"],
    ["null", null],
    ["an array", [tossPayment()]],
    ["no paymentKey", tossPayment({ paymentKey: undefined })],
    ["an empty paymentKey", tossPayment({ paymentKey: "" })],
    ["a numeric orderId", tossPayment({ orderId: 7 })],
    ["an unknown status", tossPayment({ status: "APPROVED" })],
    ["a status inherited from Object", tossPayment({ status: "toString" })],
    ["a string amount", tossPayment({ totalAmount: "1000" })],
    ["a negative balance", tossPayment({ balanceAmount: -1 })],
    ["an infinite amount", tossPayment({ totalAmount: Number.POSITIVE_INFINITY })],
    ["a numeric orderName", tossPayment({ orderName: 1 })],
    ["a numeric requestedAt", tossPayment({ requestedAt: 1 })],
    ["an object method", tossPayment({ method: {} })],
    ["a boolean approvedAt", tossPayment({ approvedAt: true })],
    ["cancels not an array", tossPayment({ cancels: { cancelAmount: 1 } })],
    ["a cancel without an amount", tossPayment({ cancels: [{ cancelReason: "x" }] })],
    ["a cancel that is not an object", tossPayment({ cancels: [5] })],
    ["a cancel with a numeric transactionKey", tossPayment({ cancels: [{ cancelAmount: 1, transactionKey: 1 }] })],
    ["a cancel with a numeric reason", tossPayment({ cancels: [{ cancelAmount: 1, cancelReason: 1 }] })],
    ["a cancel with a numeric date", tossPayment({ cancels: [{ cancelAmount: 1, canceledAt: 1 }] })],
  ])("refuses %s", (_, body) => {
    expect(parsePayment(body)).toBeNull();
  });
});

describe(parseErrorBody.name, () => {
  it("reads Toss's error body", () => {
    expect(parseErrorBody({ code: "REJECT_CARD_PAYMENT", message: "한도초과" })).toEqual({
      code: "REJECT_CARD_PAYMENT",
      message: "한도초과",
    });
  });

  it("reads a missing message as empty, since the code is what decides", () => {
    expect(parseErrorBody({ code: "NOT_FOUND_PAYMENT" })).toEqual({ code: "NOT_FOUND_PAYMENT", message: "" });
  });

  it.each([
    ["no code", { message: "x" }],
    ["an empty code", { code: "", message: "x" }],
    ["a numeric message", { code: "X", message: 1 }],
    ["not an object", "error"],
  ])("refuses %s", (_, body) => {
    expect(parseErrorBody(body)).toBeNull();
  });
});

describe(malformedAnswer.name, () => {
  it("quotes at most 200 characters of the body", () => {
    const error = malformedAnswer(502, "HTML", `${"a".repeat(200)}TAIL`);
    expect(error).toMatchObject({ status: 502, code: MALFORMED_ANSWER });
    expect(error.message).toBe(`PG answered 502 with HTML: ${"a".repeat(200)}...`);
  });

  it("quotes nothing when there is no body", () => {
    expect(malformedAnswer(200, "nothing").message).toBe("PG answered 200 with nothing");
  });
});

describe(answerOf.name, () => {
  it("reads a payment from a 2xx", () => {
    expect(answerOf(200, JSON.stringify(tossPayment()))).toMatchObject({
      kind: "answered",
      status: 200,
      payment: { paymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6", status: "DONE" },
      error: null,
    });
  });

  it("reads Toss's error from anything else", () => {
    expect(answerOf(403, JSON.stringify({ code: "REJECT_CARD_PAYMENT", message: "한도초과" }))).toEqual({
      kind: "answered",
      status: 403,
      payment: null,
      error: { status: 403, code: "REJECT_CARD_PAYMENT", message: "한도초과" },
    });
  });

  it.each([
    ["not JSON", 200, "<html>ok</html>"],
    ["empty", 200, ""],
    ["an error body", 200, JSON.stringify({ code: "X", message: "y" })],
    ["an incomplete payment", 200, JSON.stringify({ paymentKey: "pk" })],
  ])("calls a 2xx malformed when its body is %s", (_, status, body) => {
    const answer = answerOf(status, body);
    expect(answer).toMatchObject({
      kind: "answered",
      status,
      payment: null,
      error: { status, code: MALFORMED_ANSWER },
    });
    expect(answer.error?.message).toContain("not a Toss Payment object");
  });

  it.each([
    ["an HTML page from a proxy", 502, "<html>Bad Gateway</html>"],
    ["a payment", 404, JSON.stringify(tossPayment())],
    ["nothing", 302, ""],
  ])("calls a non-2xx malformed when its body is %s", (_, status, body) => {
    const answer = answerOf(status, body);
    expect(answer).toMatchObject({
      kind: "answered",
      status,
      payment: null,
      error: { status, code: MALFORMED_ANSWER },
    });
    expect(answer.error?.message).toContain("not a Toss error {code, message}");
  });
});
