import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { isDatabaseUnavailable } from "../db/errors.js";
import { DomainError } from "../shared/errors.js";
import type { GraphQLContext } from "./context.js";

/**
 * Codes Apollo and graphql-js give to errors about the request itself (syntax, unknown fields, wrong
 * variable types). Their messages describe the caller's document, so they are safe to return.
 */
const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

type Classified =
  | { kind: "domain"; error: DomainError }
  | { kind: "request"; code: string }
  | { kind: "unavailable" }
  | { kind: "internal" };

function classify(error: unknown): Classified {
  // A domain error raised by a resolver (unwrapped by Apollo) or by a plugin before execution.
  const original =
    error instanceof GraphQLError && error.originalError instanceof DomainError
      ? error.originalError
      : unwrapResolverError(error);
  if (original instanceof DomainError) return { kind: "domain", error: original };
  // Errors about the request itself carry no path (no resolver ran) and one of the known codes.
  if (error instanceof GraphQLError && error.path === undefined) {
    const code = error.extensions.code;
    if (typeof code === "string" && REQUEST_ERROR_CODES.has(code)) return { kind: "request", code };
  }
  if (isDatabaseUnavailable(original)) return { kind: "unavailable" };
  return { kind: "internal" };
}

/**
 * What a client sees: domain errors with their code and details, request errors as graphql-js worded
 * them, everything else as a bare INTERNAL_SERVER_ERROR: no stack, no SQL, no driver text.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const where = { locations: formatted.locations, path: formatted.path };
  const kind = classify(error);
  switch (kind.kind) {
    case "domain":
      return { message: kind.error.message, ...where, extensions: { ...kind.error.details, code: kind.error.code } };
    case "request":
      return { message: formatted.message, ...where, extensions: { code: kind.code } };
    case "unavailable":
      // A commit may have been cut off after the server applied it: a retry with the same
      // idempotencyKey is the safe way to try again.
      return {
        message: "the service is briefly unavailable: try again (with the same idempotencyKey for orders and charges)",
        ...where,
        extensions: { code: "SERVICE_UNAVAILABLE", retryable: true },
      };
    case "internal":
      return { message: "Internal server error", ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  }
}

/** Logs the errors that formatError hides, with the request id, so an operator can find the cause. */
export function internalErrorLogging(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          for (const error of errors) {
            const kind = classify(error).kind;
            if (kind !== "internal" && kind !== "unavailable") continue;
            contextValue.log.error(
              { operationName, path: error.path, err: unwrapResolverError(error) },
              "internal error while executing GraphQL",
            );
          }
        },
      };
    },
  };
}
