/**
 * What the fake accepts, shared by the server API, the payment window and /control, so the three
 * cannot drift apart on what a good orderId, amount or URL is.
 */

/** The shop's own order id, as Toss constrains it: 6 to 64 of letters, digits, `-` and `_`. */
export const ORDER_ID_FORM = /^[A-Za-z0-9_-]{6,64}$/;

/** A positive integer that JSON carries exactly. */
export function isPositiveAmount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** An absolute http(s) URL: where a browser may be sent, or a webhook posted. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
