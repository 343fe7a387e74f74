import type { ErrorRequestHandler } from "express";

export interface RequestErrorAnswer {
  status: number;
  body: { errors: Array<{ message: string; extensions: { code: string } }> };
}

/**
 * Errors raised before GraphQL sees a request (a body over 1 MB, JSON that does not parse) answered
 * the way GraphQL errors are: JSON with `extensions.code`, never Express's HTML page with a stack.
 */
export function answerRequestError(error: { status?: number }): RequestErrorAnswer {
  const status = typeof error.status === "number" && error.status >= 400 && error.status < 500 ? error.status : 500;
  const message =
    status === 413
      ? "the request body is too large (at most 1 MB)"
      : status === 500
        ? "Internal server error"
        : "the request body is not valid JSON";
  return {
    status,
    body: { errors: [{ message, extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST" } }] },
  };
}

export const requestErrorHandler: ErrorRequestHandler = (
  error: Error & { status?: number; type?: string },
  _req,
  res,
  _next,
) => {
  const { status, body } = answerRequestError(error);
  if (status === 500) res.locals.log.error({ err: error }, "request failed before GraphQL");
  res.status(status).json(body);
};
