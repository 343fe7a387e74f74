import type { Answer } from "../fake-data-platform/json-http.js";

/**
 * The error codes the fake answers and the HTTP status each goes with, as Toss Payments' error table
 * pairs them: a client should branch on `code`, the status only says whether a retry could help
 * (4xx: no, without changing the request; 5xx: perhaps).
 */
export const PG_ERROR_STATUS = {
  INVALID_REQUEST: 400,
  ALREADY_PROCESSED_PAYMENT: 400,
  ALREADY_CANCELED_PAYMENT: 400,
  NOT_CANCELABLE_AMOUNT: 400,
  DUPLICATED_ORDER_ID: 400,
  REJECT_CARD_PAYMENT: 400,
  UNAUTHORIZED_KEY: 401,
  NOT_CANCELABLE_PAYMENT: 403,
  NOT_FOUND: 404,
  NOT_FOUND_PAYMENT: 404,
  NOT_FOUND_PAYMENT_SESSION: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENT_REQUEST_PROCESSING: 409,
  INVALID_IDEMPOTENCY_KEY: 422,
  TOO_MANY_REQUESTS: 429,
  FAILED_INTERNAL_SYSTEM_PROCESSING: 500,
} as const;

export type PgErrorCode = keyof typeof PG_ERROR_STATUS;

/** Thrown to answer `{ code, message }` with a status. */
export class PgError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** One of the table's codes, with the status the table gives it. */
  static of(code: PgErrorCode, message: string): PgError {
    return new PgError(PG_ERROR_STATUS[code], code, message);
  }

  toAnswer(): Answer {
    return { status: this.status, body: { code: this.code, message: this.message } };
  }
}
