import { CombinedGraphQLErrors, ServerError, shopErrorCode } from "../../sdk/index.js";

/** What each of the service's error codes (src/shared/errors.ts) means to a buyer. */
const MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: "Please sign in first.",
  FORBIDDEN: "Your account may not do that.",
  BAD_USER_INPUT: "Please check what you entered.",
  NOT_FOUND: "We could not find that; it may have been removed.",
  INSUFFICIENT_STOCK: "Sorry, there is not enough stock left for that.",
  INSUFFICIENT_BALANCE: "Your point balance is too low for that.",
  CONFLICT: "Something changed in the meantime. Please reload the page and try again.",
  NOT_CANCELLABLE: "That can no longer be cancelled.",
  RATE_LIMITED: "Too many tries in a short time. Please wait a moment and try again.",
  SERVICE_UNAVAILABLE: "The shop is briefly unavailable. Please try again in a moment.",
};

/**
 * An error of a query or mutation in plain words, by its `extensions.code`. The service's messages
 * for bad input are meant for people (which field, what is allowed), so they are added to it.
 */
export function errorMessage(error: unknown): string {
  const code = shopErrorCode(error);
  if (code === "BAD_USER_INPUT" && CombinedGraphQLErrors.is(error) && error.errors[0]) {
    return `${MESSAGES.BAD_USER_INPUT ?? ""} ${error.errors[0].message}`;
  }
  if (code !== undefined) return MESSAGES[code] ?? "Something went wrong. Please try again.";
  if (ServerError.is(error)) return "The shop did not answer properly. Please try again in a moment.";
  return "We could not reach the shop. Check your connection and try again.";
}
