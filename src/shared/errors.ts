/**
 * The one error-code table of the service. Domain code throws DomainError with one of these codes;
 * the GraphQL layer maps it to `extensions.code` (src/graphql/format-error.ts).
 */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  INSUFFICIENT_STOCK: "INSUFFICIENT_STOCK",
  INSUFFICIENT_BALANCE: "INSUFFICIENT_BALANCE",
  CONFLICT: "CONFLICT",
  NOT_CANCELLABLE: "NOT_CANCELLABLE",
  RATE_LIMITED: "RATE_LIMITED",
  /** The database could not be reached, or could not say whether a change was applied (`outcomeUnknown`). */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Extra facts a client may act on (the field at fault, the short option, the shortfall...). */
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** A rule the caller broke. Safe to show: its message and details never hold secrets or internals. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const badUserInput = (field: string, message: string): DomainError =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, { field });

export const notFound = (what: string, id: string | number): DomainError =>
  new DomainError(ErrorCode.NOT_FOUND, `${what} ${id} was not found`, { id: String(id) });
