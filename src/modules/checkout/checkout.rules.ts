import { DomainError, ErrorCode, badUserInput } from "../../shared/errors.js";

/**
 * The rules of a checkout: a purchase paid (at least in part) by card through the external PG.
 *
 *   PENDING ──confirm──▶ CONFIRMING ──approved──▶ PAID
 *      │                    │ ├─declined──▶ FAILED ──DONE found later──▶ REFUNDED
 *      │                    │ └─approved, but no sale can stand behind it──▶ REFUNDED
 *      ├─fail redirect──▶ FAILED
 *      └─TTL──▶ EXPIRED ──late confirm, stock taken again──▶ CONFIRMING
 *                  ├─late confirm, stock gone──▶ FAILED
 *                  └─DONE found later──▶ REFUNDED
 *
 * Every transition goes up in STAGE, so no path ever comes back to a status it left. EXPIRED sits
 * below CONFIRMING on purpose: it says the reservation lapsed unconfirmed, and the PG's success
 * redirect may still arrive after that (the PG's own confirm window is its business, not ours); such
 * a late confirm takes the stock again before the PG is asked to capture anything.
 */
export type CheckoutStatus = "PENDING" | "CONFIRMING" | "PAID" | "FAILED" | "EXPIRED" | "REFUNDED";

const NEXT: Readonly<Record<CheckoutStatus, readonly CheckoutStatus[]>> = {
  PENDING: ["CONFIRMING", "FAILED", "EXPIRED"],
  EXPIRED: ["CONFIRMING", "FAILED", "REFUNDED"],
  CONFIRMING: ["PAID", "FAILED", "REFUNDED"],
  FAILED: ["REFUNDED"],
  PAID: [],
  REFUNDED: [],
};

/** How far along a status is; every allowed transition increases it (checked by the spec). */
export const STAGE: Readonly<Record<CheckoutStatus, number>> = {
  PENDING: 0,
  EXPIRED: 1,
  CONFIRMING: 2,
  PAID: 3,
  FAILED: 3,
  REFUNDED: 4,
};

export const canMove = (from: CheckoutStatus, to: CheckoutStatus): boolean => NEXT[from].includes(to);

/** A checkout holds its stock and points while PENDING or CONFIRMING, and in no other status. */
export const holdsReservation = (status: CheckoutStatus): boolean => status === "PENDING" || status === "CONFIRMING";

/** What a transition does to the reservation: take it again (a late confirm), give it back, or nothing. */
export function reservationChange(from: CheckoutStatus, to: CheckoutStatus): "take" | "release" | "none" {
  if (!canMove(from, to)) throw new Error(`a checkout cannot go from ${from} to ${to}`);
  const before = holdsReservation(from);
  const after = holdsReservation(to) || to === "PAID"; // PAID turns the reservation into the sale
  if (before === after) return "none";
  return after ? "take" : "release";
}

/** Failure codes the shop itself sets (the PG's own codes, such as REJECT_CARD_PAYMENT, pass through). */
export const FailureCode = {
  /** The reservation lapsed unconfirmed at expiresAt. */
  EXPIRED: "EXPIRED",
  /** The stock of a lapsed reservation was sold meanwhile: the PG was not asked to capture anything. */
  OUT_OF_STOCK: "OUT_OF_STOCK",
  /** Likewise for the points of a mixed payment. */
  INSUFFICIENT_POINTS: "INSUFFICIENT_POINTS",
  /** The buyer left the PG's window (its fail redirect without a code). */
  PAY_PROCESS_CANCELED: "PAY_PROCESS_CANCELED",
  /** The PG approved an amount other than the checkout's: refunded. */
  AMOUNT_MISMATCH_REFUNDED: "AMOUNT_MISMATCH_REFUNDED",
  /** The PG holds a captured payment for this checkout other than the one the shop confirmed: refunded. */
  PAYMENT_MISMATCH_REFUNDED: "PAYMENT_MISMATCH_REFUNDED",
  /** The PG captured money for a checkout that had already failed or expired: refunded. */
  PAID_AFTER_FAILURE_REFUNDED: "PAID_AFTER_FAILURE_REFUNDED",
  /** The PG approved, but the sale could not be recorded for good: refunded. */
  SALE_NOT_RECORDED_REFUNDED: "SALE_NOT_RECORDED_REFUNDED",
} as const;

/** How a checkout's total is paid: `pointAmount` from points (0..total-1), the rest, at least 1, by card. */
export function splitPayment(total: number, pointAmount: number | null | undefined): { card: number; points: number } {
  const points = pointAmount ?? 0;
  if (!Number.isSafeInteger(points) || points < 0) {
    throw badUserInput("pointAmount", "pointAmount must be a whole number of points, 0 or more");
  }
  if (points >= total) {
    throw badUserInput(
      "pointAmount",
      `pointAmount must leave at least 1 won to pay by card (the total is ${total}); pay it all from points with placeOrder`,
    );
  }
  return { card: total - points, points };
}

const MAX_ORDER_NAME = 100;

/** "Kimbap", or "Kimbap and 2 more": the name the PG's window and receipts show. */
export function orderNameOf(productNames: readonly string[]): string {
  const [first = "Order", ...rest] = productNames;
  const suffix = rest.length === 0 ? "" : ` and ${rest.length} more`;
  const room = MAX_ORDER_NAME - suffix.length;
  const name = first.length > room ? `${first.slice(0, room - 3)}...` : first;
  return `${name}${suffix}`;
}

// The PG's orderId: 6 to 64 characters of letters, digits, - and _ (Toss Payments' rule).
const PG_ORDER_ID = /^[A-Za-z0-9_-]{6,64}$/;
// A paymentKey is the PG's; Toss's are up to 200 characters of the same set.
const PAYMENT_KEY = /^[A-Za-z0-9_-]{1,200}$/;

/** Arguments of the PG's redirects, checked before any row is read or the PG is called. */
export function validateRedirect(args: { pgOrderId: string; paymentKey?: string; amount?: number }): void {
  if (!PG_ORDER_ID.test(args.pgOrderId)) {
    throw badUserInput("pgOrderId", "pgOrderId must be 6 to 64 characters of letters, digits, - and _");
  }
  if (args.paymentKey !== undefined && !PAYMENT_KEY.test(args.paymentKey)) {
    throw badUserInput("paymentKey", "paymentKey must be 1 to 200 characters of letters, digits, - and _");
  }
  if (args.amount !== undefined && (!Number.isSafeInteger(args.amount) || args.amount < 1)) {
    throw badUserInput("amount", "amount must be a whole number of won, 1 or more");
  }
}

// A fail redirect's code is the PG's (PAY_PROCESS_CANCELED, REJECT_CARD_PAYMENT...): upper case and _.
const FAILURE_CODE = /^[A-Z0-9_]{1,64}$/;
const FAILURE_MESSAGE_MAX = 255;

/** The code and message of the PG's fail redirect, as the checkout keeps them (a long message is cut). */
export function validateFailRedirect(
  code: string | null | undefined,
  message: string | null | undefined,
): { code: string | null; message: string | null } {
  if (code != null && !FAILURE_CODE.test(code)) {
    throw badUserInput("code", "code must be 1 to 64 characters of A-Z, 0-9 and _");
  }
  return { code: code ?? null, message: message == null ? null : message.slice(0, FAILURE_MESSAGE_MAX) };
}

/** The checkout as confirmPayment sees it before deciding anything. */
export interface CheckoutState {
  status: CheckoutStatus;
  amount: number;
  paymentKey: string | null;
}

/**
 * What confirmPayment does with a success redirect:
 * - "confirm": move to CONFIRMING (taking the stock again first if the reservation lapsed) and ask the PG;
 * - "answer": a replay of the confirm already made (or under way) with this paymentKey: the checkout as it is;
 * - a DomainError is thrown for a redirect that must not reach the PG: the amount differs from the
 *   checkout's (tampered), or the checkout is paid or being confirmed with another paymentKey (a
 *   second browser tab: that payment is never confirmed, so the PG never captures it).
 */
export function confirmDecision(checkout: CheckoutState, paymentKey: string, amount: number): "confirm" | "answer" {
  if (amount !== checkout.amount) {
    throw badUserInput("amount", `amount ${amount} is not this checkout's card amount (${checkout.amount})`);
  }
  if (checkout.paymentKey !== null && checkout.paymentKey !== paymentKey) {
    throw new DomainError(
      ErrorCode.CONFLICT,
      "this checkout is already being paid with another payment: that one stands, this one is not charged",
    );
  }
  return checkout.status === "PENDING" || checkout.status === "EXPIRED" ? "confirm" : "answer";
}

/** What the PG says of the checkout's payment when asked (payment-gateway.rules.ts classifyLookup, reduced). */
export type PgVerdict =
  | { state: "captured"; paymentKey: string; totalAmount: number; balanceAmount: number; exact: boolean }
  | { state: "not-captured"; code: string }
  | { state: "undecided" };

/** What to do with a checkout given the PG's verdict on its payment. */
export type ReconcileAction =
  | { do: "record-sale" }
  | { do: "refund"; amount: number; paymentKey: string; failureCode: string; cause: RefundCause }
  | { do: "fail"; failureCode: string }
  | { do: "ask-again" }
  | { do: "nothing" };

export type RefundCause = "AMOUNT_MISMATCH" | "PAYMENT_MISMATCH" | "PAID_AFTER_FAILURE" | "SALE_NOT_RECORDED";

/**
 * The one place that turns a PG verdict into a checkout's fate, for the confirm's own answer, the
 * reconcile job and webhooks alike, so they can never disagree.
 * - CONFIRMING: captured in full for the exact amount → the sale; captured otherwise → refunded;
 *   not captured → FAILED (the reservation goes back); undecided → ask again later, release nothing.
 * - FAILED or EXPIRED, yet captured: money no sale stands behind → refunded.
 * - Anything else (PENDING: the confirm has not started; PAID or REFUNDED: settled) → nothing.
 */
export function reconcileAction(
  status: CheckoutStatus,
  verdict: PgVerdict,
  expectedPaymentKey: string | null,
): ReconcileAction {
  if (verdict.state === "undecided") return status === "CONFIRMING" ? { do: "ask-again" } : { do: "nothing" };
  if (verdict.state === "not-captured") {
    return status === "CONFIRMING" ? { do: "fail", failureCode: verdict.code } : { do: "nothing" };
  }
  if (verdict.balanceAmount === 0) {
    // Captured, then cancelled in full at the PG: no money is held, so no sale and nothing to refund.
    return status === "CONFIRMING" ? { do: "fail", failureCode: "CANCELED_AT_PG" } : { do: "nothing" };
  }
  const refund = (failureCode: string, cause: RefundCause): ReconcileAction => ({
    do: "refund",
    amount: verdict.balanceAmount,
    paymentKey: verdict.paymentKey,
    failureCode,
    cause,
  });
  if (status === "CONFIRMING") {
    if (verdict.paymentKey !== expectedPaymentKey) {
      return refund(FailureCode.PAYMENT_MISMATCH_REFUNDED, "PAYMENT_MISMATCH");
    }
    return verdict.exact ? { do: "record-sale" } : refund(FailureCode.AMOUNT_MISMATCH_REFUNDED, "AMOUNT_MISMATCH");
  }
  if (status === "FAILED" || status === "EXPIRED") {
    return refund(FailureCode.PAID_AFTER_FAILURE_REFUNDED, "PAID_AFTER_FAILURE");
  }
  return { do: "nothing" };
}

/**
 * When a confirm whose outcome is unknown is asked about again: 2 s, 4 s, 8 s ... doubling up to
 * 5 minutes, then every 5 minutes for as long as the PG cannot say (it never gives up: the money
 * may have been captured).
 */
export function reconcileDelayMs(attempt: number, firstMs = 2_000, maxMs = 300_000): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(maxMs, firstMs * 2 ** exponent);
}
