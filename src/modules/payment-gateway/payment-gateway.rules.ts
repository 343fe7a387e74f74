/**
 * What the card PG's answers mean for the shop. The PG speaks the Toss Payments v1 API; the client
 * (payment-gateway.client.ts) hands back what came over the wire as a PgAnswer and decides nothing.
 * Here an answer becomes an outcome, on one principle: only an explicit, final answer is final. A
 * lost answer, a 5xx, a "not now", a body that is not what the API promises, or a 200 that does not
 * say what was asked is "unknown", and the shop asks the PG again later rather than guess: guessing
 * "declined" for a payment that was in fact captured takes a buyer's money for an order that failed.
 *
 * The PG's vocabulary is declared here, not in a types file beside it, because a rules file may
 * import nothing of its own module (.dependency-cruiser.cjs, rules-import-only-shared).
 */

/** A payment's life at the PG; CANCELED and PARTIAL_CANCELED were DONE (captured) first. */
export type PgPaymentStatus =
  "READY" | "IN_PROGRESS" | "WAITING_FOR_DEPOSIT" | "DONE" | "CANCELED" | "PARTIAL_CANCELED" | "ABORTED" | "EXPIRED";

export interface PgCancel {
  transactionKey?: string;
  cancelReason?: string;
  cancelAmount: number;
  canceledAt?: string;
}

/** The part of Toss's Payment object the shop reads, checked field by field (payment-gateway.parse.ts). */
export interface PgPayment {
  paymentKey: string;
  orderId: string;
  orderName?: string;
  status: PgPaymentStatus;
  totalAmount: number;
  /** What is left to cancel: totalAmount less every cancel so far. */
  balanceAmount: number;
  /** Null while no method is chosen yet (READY), which Toss allows. */
  method: string | null;
  requestedAt?: string;
  approvedAt: string | null;
  cancels: readonly PgCancel[] | null;
}

/** A non-2xx answer's `{code, message}`, or MALFORMED_ANSWER when the body was not what the API promises. */
export interface PgError {
  status: number;
  code: string;
  message: string;
}

export const MALFORMED_ANSWER = "MALFORMED_ANSWER";

/**
 * What one request got. `answered`: an HTTP answer came back whole, with a valid Payment (2xx) or
 * else an error. `no-answer`: none did; `connect-timeout` means no connection was made, so the
 * request never left; `read-timeout` and `network` may have reached the PG, and a POST may have been
 * processed there.
 */
export type PgAnswer =
  | { kind: "answered"; status: number; payment: PgPayment | null; error: PgError | null }
  | { kind: "no-answer"; reason: "connect-timeout" | "read-timeout" | "network"; detail: string };

/** "Not now" statuses: request timeout, a conflict with a request still running (same key), too early, rate limited. */
const NOT_NOW_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429]);

/**
 * 4xx codes that do not say the operation was refused. ALREADY_PROCESSED_PAYMENT: the payment was
 * confirmed by an earlier request, perhaps ours whose answer was lost. PROVIDER_ERROR and
 * CARD_PROCESSING_ERROR: a failure at the card company, which may have approved before failing.
 * FORBIDDEN_CONSECUTIVE_REQUEST: an earlier request for the same payment is still being handled.
 */
const UNCLEAR_CODES: ReadonlySet<string> = new Set([
  "ALREADY_PROCESSED_PAYMENT",
  "PROVIDER_ERROR",
  "CARD_PROCESSING_ERROR",
  "FORBIDDEN_CONSECUTIVE_REQUEST",
]);

/** An answer read before the operation's own meaning is put on it. */
type Reading =
  { kind: "payment"; payment: PgPayment } | { kind: "refusal"; error: PgError } | { kind: "unclear"; reason: string };

const describeError = (error: PgError): string => `PG answered ${error.status} ${error.code}: ${error.message}`;

function read(answer: PgAnswer): Reading {
  if (answer.kind === "no-answer") return { kind: "unclear", reason: `no answer (${answer.reason}): ${answer.detail}` };
  const success = answer.status >= 200 && answer.status < 300;
  if (success && answer.payment !== null) return { kind: "payment", payment: answer.payment };
  const error = answer.error;
  if (error === null)
    return { kind: "unclear", reason: `PG answered ${answer.status} with neither a payment nor an error` };
  const explicitRefusal =
    answer.status >= 400 &&
    answer.status < 500 &&
    !NOT_NOW_STATUSES.has(answer.status) &&
    error.code !== MALFORMED_ANSWER &&
    !UNCLEAR_CODES.has(error.code);
  return explicitRefusal ? { kind: "refusal", error } : { kind: "unclear", reason: describeError(error) };
}

/** Names the first of `expected`'s ids that the payment does not carry, or null when they all match. */
function otherPayment(payment: PgPayment, expected: { paymentKey?: string; orderId?: string }): string | null {
  if (expected.paymentKey !== undefined && payment.paymentKey !== expected.paymentKey) {
    return `the PG answered with payment ${payment.paymentKey}, not ${expected.paymentKey}`;
  }
  if (expected.orderId !== undefined && payment.orderId !== expected.orderId) {
    return `the PG answered with order ${payment.orderId}, not ${expected.orderId}`;
  }
  return null;
}

export type PgConfirmOutcome =
  | { outcome: "approved"; payment: PgPayment; amountMismatch: boolean }
  | { outcome: "declined"; code: string; message: string }
  | { outcome: "unknown"; reason: string };

/**
 * A confirm is approved by a DONE payment with the same paymentKey and orderId. A total other than
 * the amount asked is still approved, since the money is captured, and flagged for the caller to
 * refund. Declined only on an explicit 4xx refusal; anything else, a 200 that is not DONE included,
 * is unknown, and the payment is looked up later.
 */
export function classifyConfirm(
  answer: PgAnswer,
  expected: { paymentKey: string; orderId: string; amount: number },
): PgConfirmOutcome {
  const reading = read(answer);
  switch (reading.kind) {
    case "unclear":
      return { outcome: "unknown", reason: reading.reason };
    case "refusal":
      return { outcome: "declined", code: reading.error.code, message: reading.error.message };
    case "payment": {
      const { payment } = reading;
      const mismatch = otherPayment(payment, expected);
      if (mismatch !== null) return { outcome: "unknown", reason: mismatch };
      if (payment.status !== "DONE") {
        return { outcome: "unknown", reason: `the confirm answered a payment in status ${payment.status}` };
      }
      return { outcome: "approved", payment, amountMismatch: payment.totalAmount !== expected.amount };
    }
  }
}

export type PgLookupState =
  | { state: "paid"; payment: PgPayment }
  | { state: "not-paid"; payment: PgPayment | null; why: string }
  | { state: "pending"; payment: PgPayment }
  | { state: "unknown"; reason: string };

/**
 * What a GET of one payment says about the money. Paid: it was captured at some point (DONE, and
 * the CANCELED and PARTIAL_CANCELED that follow DONE; refunds are the shop's own records). Not paid:
 * ABORTED or EXPIRED, which never capture, or no such payment (404 NOT_FOUND_PAYMENT). Pending: not
 * decided yet. `expected` guards against an answer about another payment; every other answer,
 * other 4xx included, is unknown.
 */
export function classifyLookup(
  answer: PgAnswer,
  expected: { paymentKey?: string; orderId?: string } = {},
): PgLookupState {
  const reading = read(answer);
  switch (reading.kind) {
    case "unclear":
      return { state: "unknown", reason: reading.reason };
    case "refusal":
      if (reading.error.status === 404 && reading.error.code === "NOT_FOUND_PAYMENT") {
        return { state: "not-paid", payment: null, why: describeError(reading.error) };
      }
      return { state: "unknown", reason: describeError(reading.error) };
    case "payment": {
      const { payment } = reading;
      const mismatch = otherPayment(payment, expected);
      if (mismatch !== null) return { state: "unknown", reason: mismatch };
      switch (payment.status) {
        case "DONE":
        case "PARTIAL_CANCELED":
        case "CANCELED":
          return { state: "paid", payment };
        case "ABORTED":
        case "EXPIRED":
          return { state: "not-paid", payment, why: `the payment is ${payment.status}` };
        case "READY":
        case "IN_PROGRESS":
        case "WAITING_FOR_DEPOSIT":
          return { state: "pending", payment };
      }
    }
  }
}

export type PgCancelOutcome =
  | { outcome: "cancelled"; payment: PgPayment }
  | { outcome: "already-cancelled" }
  | { outcome: "refused"; code: string; message: string }
  | { outcome: "unknown"; reason: string };

/** Both say the money the shop wanted back is back already: the whole payment was cancelled (or refunded). */
const ALREADY_CANCELLED_CODES: ReadonlySet<string> = new Set(["ALREADY_CANCELED_PAYMENT", "ALREADY_REFUND_PAYMENT"]);

/**
 * A cancel is done when the PG answers the payment CANCELED or PARTIAL_CANCELED; an explicit 4xx
 * refusal (NOT_CANCELABLE_AMOUNT, NOT_CANCELABLE_PAYMENT...) is final; anything else is unknown,
 * to be settled by reading the payment (cancelAlreadyApplied) before sending the cancel again.
 */
export function classifyCancel(answer: PgAnswer, expected: { paymentKey?: string } = {}): PgCancelOutcome {
  const reading = read(answer);
  switch (reading.kind) {
    case "unclear":
      return { outcome: "unknown", reason: reading.reason };
    case "refusal":
      if (ALREADY_CANCELLED_CODES.has(reading.error.code)) return { outcome: "already-cancelled" };
      return { outcome: "refused", code: reading.error.code, message: reading.error.message };
    case "payment": {
      const { payment } = reading;
      const mismatch = otherPayment(payment, expected);
      if (mismatch !== null) return { outcome: "unknown", reason: mismatch };
      if (payment.status !== "CANCELED" && payment.status !== "PARTIAL_CANCELED") {
        return { outcome: "unknown", reason: `the cancel answered a payment in status ${payment.status}` };
      }
      return { outcome: "cancelled", payment };
    }
  }
}

/** What the PG has given back on a payment so far: the sum of its cancels (none is 0). */
export const cancelledTotal = (payment: PgPayment): number =>
  (payment.cancels ?? []).reduce((total, cancel) => total + cancel.cancelAmount, 0);

/**
 * Whether a cancel of `amount` whose answer was lost (or never known) was applied, so that its retry
 * does not cancel twice. The cancel's idempotency key covers a retry within the PG's key lifetime,
 * but not one after the key expired or with a key lost, so a retry reads the payment first and
 * sends the cancel only when this says it was not applied.
 *
 * It holds for a shop that sends the cancels of one payment one at a time, oldest first, sending the
 * next only once the last is known applied or refused. The PG's cancels are then the ones the shop
 * confirmed, `confirmedCancelledBefore` in all, plus at most the pending one, so the PG's total is
 * either that sum (not applied) or that sum plus `amount` (applied). A cancel is never undone, so
 * the total never falls. A total above that means something else cancelled as well (the PG's
 * console, say): the pending cancel counts as applied, which at worst refunds too little, for a
 * person to see, where sending it could refund twice. A total short of the sum plus `amount` counts
 * as not applied; that is only sure while the shop's confirmed sum is right, which nothing here can
 * check.
 */
export function cancelAlreadyApplied(
  pgCancelledTotal: number,
  confirmedCancelledBefore: number,
  amount: number,
): boolean {
  for (const [name, value] of Object.entries({ pgCancelledTotal, confirmedCancelledBefore, amount })) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${name} must be a finite amount of at least 0, got ${value}`);
  }
  if (amount === 0) throw new RangeError("a cancel of 0 is never sent, so it cannot have been applied");
  return pgCancelledTotal >= confirmedCancelledBefore + amount;
}

/** Toss keeps an idempotency key of up to 300 characters; the prefix takes 7 or 8 of them. */
const IDEMPOTENCY_KEY_MAX = 300;
/** Printable ASCII without spaces: safe in a header, and the same bytes whatever the encoding. */
const KEY_SAFE = /^[\x21-\x7e]+$/;

function idempotencyKey(prefix: string, id: string): string {
  const key = `${prefix}${id}`;
  if (!KEY_SAFE.test(id) || key.length > IDEMPOTENCY_KEY_MAX) {
    throw new RangeError(
      `an idempotency key is made of an id of 1 to ${IDEMPOTENCY_KEY_MAX - prefix.length} printable ASCII characters, got "${id}"`,
    );
  }
  return key;
}

/**
 * The Idempotency-Key of every attempt to confirm one checkout: derived from the shop's own id, so
 * a retry after a crash, by another process or a later job, sends the key the first attempt sent
 * and the PG confirms at most once. The prefix keeps it apart from the cancels' keys.
 */
export const confirmIdempotencyKey = (checkoutId: string): string => idempotencyKey("confirm-", checkoutId);

/** The Idempotency-Key of every attempt at one refund's cancel, for the same reason as confirmIdempotencyKey. */
export const cancelIdempotencyKey = (refundId: string): string => idempotencyKey("cancel-", refundId);
