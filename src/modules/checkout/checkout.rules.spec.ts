import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/errors.js";
import {
  STAGE,
  canMove,
  confirmDecision,
  holdsReservation,
  orderNameOf,
  reconcileAction,
  reconcileDelayMs,
  reservationChange,
  splitPayment,
  validateFailRedirect,
  validateRedirect,
  type CheckoutStatus,
  type PgVerdict,
} from "./checkout.rules.js";

const STATUSES: CheckoutStatus[] = ["PENDING", "CONFIRMING", "PAID", "FAILED", "EXPIRED", "REFUNDED"];
const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const));

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
};

describe("the checkout state machine", () => {
  it("only moves forward: every transition raises the stage, so no path comes back", () => {
    for (const [from, to] of pairs)
      if (canMove(from, to)) expect(STAGE[to], `${from} → ${to}`).toBeGreaterThan(STAGE[from]);
  });

  it("has PAID and REFUNDED as final, and no way out of PAID but the order's own cancellations", () => {
    for (const to of STATUSES) {
      expect(canMove("PAID", to)).toBe(false);
      expect(canMove("REFUNDED", to)).toBe(false);
    }
    expect(canMove("FAILED", "REFUNDED")).toBe(true);
    expect(canMove("PENDING", "PAID")).toBe(false);
  });

  it("holds the reservation while PENDING or CONFIRMING only", () => {
    expect(STATUSES.filter(holdsReservation)).toEqual(["PENDING", "CONFIRMING"]);
  });

  it("says what each transition does to the reservation", () => {
    expect(reservationChange("PENDING", "CONFIRMING")).toBe("none");
    expect(reservationChange("CONFIRMING", "PAID")).toBe("none");
    expect(reservationChange("PENDING", "EXPIRED")).toBe("release");
    expect(reservationChange("PENDING", "FAILED")).toBe("release");
    expect(reservationChange("CONFIRMING", "FAILED")).toBe("release");
    expect(reservationChange("CONFIRMING", "REFUNDED")).toBe("release");
    expect(reservationChange("EXPIRED", "CONFIRMING")).toBe("take");
    expect(reservationChange("EXPIRED", "FAILED")).toBe("none");
    expect(reservationChange("FAILED", "REFUNDED")).toBe("none");
    expect(() => reservationChange("PAID", "REFUNDED")).toThrow("cannot go from PAID to REFUNDED");
  });
});

describe(splitPayment.name, () => {
  it("pays the rest by card, at least 1 won", () => {
    expect(splitPayment(10_000, undefined)).toEqual({ card: 10_000, points: 0 });
    expect(splitPayment(10_000, null)).toEqual({ card: 10_000, points: 0 });
    expect(splitPayment(10_000, 3_000)).toEqual({ card: 7_000, points: 3_000 });
    expect(splitPayment(10_000, 9_999)).toEqual({ card: 1, points: 9_999 });
  });

  it("refuses points that leave nothing for the card, negative or fractional points", () => {
    for (const points of [10_000, 20_000, -1, 1.5, Number.NaN])
      expect(codeOf(() => splitPayment(10_000, points))).toBe("BAD_USER_INPUT");
  });
});

describe(orderNameOf.name, () => {
  it("names the first product and counts the others", () => {
    expect(orderNameOf(["Kimbap"])).toBe("Kimbap");
    expect(orderNameOf(["Kimbap", "Ramen", "Tea"])).toBe("Kimbap and 2 more");
    expect(orderNameOf([])).toBe("Order");
  });

  it("keeps within 100 characters", () => {
    const name = orderNameOf(["x".repeat(150), "y"]);
    expect(name).toHaveLength(100);
    expect(name.endsWith("... and 1 more")).toBe(true);
  });
});

describe(validateRedirect.name, () => {
  it("accepts the PG's forms", () => {
    expect(() => validateRedirect({ pgOrderId: "ck_abc-123", paymentKey: "fpk_Xy-9", amount: 1 })).not.toThrow();
    expect(() => validateRedirect({ pgOrderId: "abcdef" })).not.toThrow();
  });

  it.each([
    [{ pgOrderId: "short" }],
    [{ pgOrderId: "x".repeat(65) }],
    [{ pgOrderId: "has space!" }],
    [{ pgOrderId: "abcdef", paymentKey: "" }],
    [{ pgOrderId: "abcdef", paymentKey: "a/b" }],
    [{ pgOrderId: "abcdef", amount: 0 }],
    [{ pgOrderId: "abcdef", amount: 1.5 }],
  ])("refuses %o", (args) => expect(codeOf(() => validateRedirect(args))).toBe("BAD_USER_INPUT"));
});

describe(validateFailRedirect.name, () => {
  it("keeps the PG's code and message, the message cut to 255 characters", () => {
    expect(validateFailRedirect("PAY_PROCESS_CANCELED", "left")).toEqual({
      code: "PAY_PROCESS_CANCELED",
      message: "left",
    });
    expect(validateFailRedirect(undefined, null)).toEqual({ code: null, message: null });
    expect(validateFailRedirect(null, "x".repeat(300)).message).toHaveLength(255);
  });

  it("refuses a code that is not the PG's form", () => {
    expect(codeOf(() => validateFailRedirect("drop table", null))).toBe("BAD_USER_INPUT");
  });
});

describe(confirmDecision.name, () => {
  const pending = { status: "PENDING" as const, amount: 5_000, paymentKey: null };

  it("confirms a pending or lapsed checkout", () => {
    expect(confirmDecision(pending, "key-1", 5_000)).toBe("confirm");
    expect(confirmDecision({ ...pending, status: "EXPIRED" }, "key-1", 5_000)).toBe("confirm");
  });

  it("answers a replay with the checkout as it is", () => {
    for (const status of ["CONFIRMING", "PAID", "REFUNDED"] as const)
      expect(confirmDecision({ ...pending, status, paymentKey: "key-1" }, "key-1", 5_000)).toBe("answer");
    expect(confirmDecision({ ...pending, status: "FAILED" }, "key-1", 5_000)).toBe("answer");
  });

  it("refuses a tampered amount, and a second payment for a checkout paid with another", () => {
    expect(codeOf(() => confirmDecision(pending, "key-1", 4_999))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => confirmDecision({ ...pending, status: "PAID", paymentKey: "key-1" }, "key-2", 5_000))).toBe(
      "CONFLICT",
    );
  });
});

describe(reconcileAction.name, () => {
  const captured = (overrides: Partial<Extract<PgVerdict, { state: "captured" }>> = {}): PgVerdict => ({
    state: "captured",
    paymentKey: "key-1",
    totalAmount: 5_000,
    balanceAmount: 5_000,
    exact: true,
    ...overrides,
  });

  it("records the sale of an exact capture of the confirmed payment", () => {
    expect(reconcileAction("CONFIRMING", captured(), "key-1")).toEqual({ do: "record-sale" });
  });

  it("refunds a capture that no sale can stand behind", () => {
    expect(
      reconcileAction("CONFIRMING", captured({ exact: false, totalAmount: 6_000, balanceAmount: 6_000 }), "key-1"),
    ).toEqual({
      do: "refund",
      amount: 6_000,
      paymentKey: "key-1",
      failureCode: "AMOUNT_MISMATCH_REFUNDED",
      cause: "AMOUNT_MISMATCH",
    });
    expect(reconcileAction("CONFIRMING", captured({ paymentKey: "key-2" }), "key-1")).toMatchObject({
      do: "refund",
      paymentKey: "key-2",
      cause: "PAYMENT_MISMATCH",
    });
    for (const status of ["FAILED", "EXPIRED"] as const)
      expect(reconcileAction(status, captured({ balanceAmount: 3_000 }), null)).toMatchObject({
        do: "refund",
        amount: 3_000,
        cause: "PAID_AFTER_FAILURE",
        failureCode: "PAID_AFTER_FAILURE_REFUNDED",
      });
  });

  it("fails a confirm the PG did not capture, or that was cancelled in full there", () => {
    expect(reconcileAction("CONFIRMING", { state: "not-captured", code: "EXPIRED" }, "key-1")).toEqual({
      do: "fail",
      failureCode: "EXPIRED",
    });
    expect(reconcileAction("CONFIRMING", captured({ balanceAmount: 0 }), "key-1")).toEqual({
      do: "fail",
      failureCode: "CANCELED_AT_PG",
    });
  });

  it("asks again while undecided, and leaves settled or unstarted checkouts alone", () => {
    expect(reconcileAction("CONFIRMING", { state: "undecided" }, "key-1")).toEqual({ do: "ask-again" });
    for (const status of ["PENDING", "PAID", "REFUNDED", "FAILED"] as const) {
      expect(reconcileAction(status, { state: "undecided" }, "key-1")).toEqual({ do: "nothing" });
      expect(reconcileAction(status, { state: "not-captured", code: "EXPIRED" }, "key-1")).toEqual({ do: "nothing" });
      expect(reconcileAction(status, captured({ balanceAmount: 0 }), "key-1")).toEqual({ do: "nothing" });
    }
    for (const status of ["PENDING", "PAID", "REFUNDED"] as const)
      expect(reconcileAction(status, captured(), "key-1")).toEqual({ do: "nothing" });
  });
});

describe(reconcileDelayMs.name, () => {
  it("doubles from the first delay up to the cap, and stays there", () => {
    expect([0, 1, 2, 3].map((attempt) => reconcileDelayMs(attempt))).toEqual([2_000, 2_000, 4_000, 8_000]);
    expect(reconcileDelayMs(9)).toBe(300_000);
    expect(reconcileDelayMs(10_000)).toBe(300_000);
    expect(reconcileDelayMs(3, 100, 250)).toBe(250);
  });
});
