import { CombinedGraphQLErrors } from "@apollo/client/errors";

/**
 * The service's error code (`extensions.code`: INSUFFICIENT_BALANCE, NOT_FOUND, ...) of the first
 * GraphQL error Apollo Client threw, or undefined for anything else (a network failure, ...).
 */
export function shopErrorCode(error: unknown): string | undefined {
  if (!CombinedGraphQLErrors.is(error)) return undefined;
  const code = error.errors[0]?.extensions?.code;
  return typeof code === "string" ? code : undefined;
}
