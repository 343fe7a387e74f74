import {
  MALFORMED_ANSWER,
  type PgAnswer,
  type PgCancel,
  type PgError,
  type PgPayment,
  type PgPaymentStatus,
} from "./payment-gateway.rules.js";

/**
 * Reads the PG's answer bodies into checked types. The body is the PG's word, not ours: every field
 * the shop reads is checked, and a body that fails is MALFORMED_ANSWER, which the rules count as
 * unknown, never as a decision. Fields the shop does not read (card details and the like) are left
 * out rather than carried along, so nothing passes them on by accident. Optional fields may come as
 * null or be absent; both read as absent.
 */

/** An answer as it reaches the rules when one came back. */
export type PgAnswered = Extract<PgAnswer, { kind: "answered" }>;

const MAX_BODY_IN_MESSAGE = 200;

/** Every status, as a record so that the compiler complains when PgPaymentStatus gains one. */
const STATUSES: Record<PgPaymentStatus, true> = {
  READY: true,
  IN_PROGRESS: true,
  WAITING_FOR_DEPOSIT: true,
  DONE: true,
  CANCELED: true,
  PARTIAL_CANCELED: true,
  ABORTED: true,
  EXPIRED: true,
};

/** Marks a field that is there but of the wrong type, apart from one that is absent. */
const INVALID = Symbol("invalid");

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value !== "";

const isStatus = (value: unknown): value is PgPaymentStatus =>
  typeof value === "string" && Object.hasOwn(STATUSES, value);

/** Amounts are won, but a fractional one is left to the caller's comparisons rather than refused here. */
const isAmount = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value >= 0;

function optionalString(value: unknown): string | undefined | typeof INVALID {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : INVALID;
}

function nullableString(value: unknown): string | null | typeof INVALID {
  return optionalString(value) ?? null;
}

function parseCancel(body: unknown): PgCancel | null {
  if (!isRecord(body) || !isAmount(body.cancelAmount)) return null;
  const transactionKey = optionalString(body.transactionKey);
  const cancelReason = optionalString(body.cancelReason);
  const canceledAt = optionalString(body.canceledAt);
  if (transactionKey === INVALID || cancelReason === INVALID || canceledAt === INVALID) return null;
  return {
    cancelAmount: body.cancelAmount,
    ...(transactionKey === undefined ? {} : { transactionKey }),
    ...(cancelReason === undefined ? {} : { cancelReason }),
    ...(canceledAt === undefined ? {} : { canceledAt }),
  };
}

function parseCancels(value: unknown): readonly PgCancel[] | null | typeof INVALID {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return INVALID;
  const cancels: PgCancel[] = [];
  for (const item of value) {
    const cancel = parseCancel(item);
    if (cancel === null) return INVALID;
    cancels.push(cancel);
  }
  return cancels;
}

/** A Toss Payment object, or null when any field the shop reads is missing or of the wrong type. */
export function parsePayment(body: unknown): PgPayment | null {
  if (!isRecord(body)) return null;
  const { paymentKey, orderId, status, totalAmount, balanceAmount } = body;
  if (!isNonEmptyString(paymentKey) || !isNonEmptyString(orderId) || !isStatus(status)) return null;
  if (!isAmount(totalAmount) || !isAmount(balanceAmount)) return null;
  const orderName = optionalString(body.orderName);
  const requestedAt = optionalString(body.requestedAt);
  const method = nullableString(body.method);
  const approvedAt = nullableString(body.approvedAt);
  const cancels = parseCancels(body.cancels);
  if (orderName === INVALID || requestedAt === INVALID || method === INVALID) return null;
  if (approvedAt === INVALID || cancels === INVALID) return null;
  return {
    paymentKey,
    orderId,
    ...(orderName === undefined ? {} : { orderName }),
    status,
    totalAmount,
    balanceAmount,
    method,
    ...(requestedAt === undefined ? {} : { requestedAt }),
    approvedAt,
    cancels,
  };
}

/** Toss's error body `{code, message}`; the code is what decides, so a missing message reads as "". */
export function parseErrorBody(body: unknown): { code: string; message: string } | null {
  if (!isRecord(body) || !isNonEmptyString(body.code)) return null;
  const message = optionalString(body.message);
  if (message === INVALID) return null;
  return { code: body.code, message: message ?? "" };
}

/** A MALFORMED_ANSWER error for an answer of `status` that came with `what` instead of what the API promises. */
export function malformedAnswer(status: number, what: string, body = ""): PgError {
  const excerpt = body.length > MAX_BODY_IN_MESSAGE ? `${body.slice(0, MAX_BODY_IN_MESSAGE)}...` : body;
  return {
    status,
    code: MALFORMED_ANSWER,
    message: `PG answered ${status} with ${what}${excerpt === "" ? "" : `: ${excerpt}`}`,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // and so neither a payment nor an error: MALFORMED_ANSWER, with the text quoted
  }
}

/**
 * A whole answer, read by its status: a 2xx carries a Payment, anything else Toss's error body. A
 * redirect is not followed (node:http never does): it is an answer without either, so malformed.
 */
export function answerOf(status: number, text: string): PgAnswered {
  const body = parseJson(text);
  if (status >= 200 && status < 300) {
    const payment = parsePayment(body);
    if (payment !== null) return { kind: "answered", status, payment, error: null };
    return {
      kind: "answered",
      status,
      payment: null,
      error: malformedAnswer(status, "a body that is not a Toss Payment object", text),
    };
  }
  const error = parseErrorBody(body);
  return {
    kind: "answered",
    status,
    payment: null,
    error:
      error === null
        ? malformedAnswer(status, "a body that is not a Toss error {code, message}", text)
        : { status, ...error },
  };
}
