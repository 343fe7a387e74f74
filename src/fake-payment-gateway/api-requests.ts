import { timingSafeEqual } from "node:crypto";
import type http from "node:http";
import { HttpError, readJsonObject } from "../fake-data-platform/json-http.js";
import { PgError } from "./pg-error.js";
import { isPositiveAmount, ORDER_ID_FORM } from "./validation.js";

/**
 * Reading a server-API request: which route, whether its caller holds the secret key, and whether
 * its headers and body are well formed. Everything here refuses before any payment is looked at, so
 * a malformed request never changes, or even reveals, anything.
 */

export type ApiRoute =
  | { route: "confirm" }
  | { route: "cancel"; paymentKey: string }
  | { route: "get"; paymentKey: string }
  | { route: "get"; orderId: string };

export interface ConfirmBody {
  paymentKey: string;
  orderId: string;
  amount: number;
}

export interface CancelBody {
  cancelReason: string;
  /** Null: all that is left. */
  cancelAmount: number | null;
}

export type ApiRequest =
  | { route: "confirm"; idempotencyKey: string; body: ConfirmBody }
  | { route: "cancel"; paymentKey: string; idempotencyKey: string; body: CancelBody }
  | { route: "get"; paymentKey: string }
  | { route: "get"; orderId: string };

const MAX_IDEMPOTENCY_KEY = 300;
const MAX_CANCEL_REASON = 200;

/** The route a method and path name, or the 404/405 to answer. */
export function matchApiRoute(method: string, pathname: string): ApiRoute | PgError {
  const notFound = PgError.of("NOT_FOUND", `no route ${pathname}`);
  const [root, version, payments, ...encoded] = pathname.split("/");
  if (root !== "" || version !== "v1" || payments !== "payments") return notFound;
  let tail: string[];
  try {
    tail = encoded.map(decodeURIComponent);
  } catch {
    return PgError.of("INVALID_REQUEST", "the path is not valid URL encoding");
  }
  if (tail.includes("")) return notFound;
  const only = (allowed: string, route: ApiRoute): ApiRoute | PgError =>
    method === allowed ? route : PgError.of("METHOD_NOT_ALLOWED", `${method} is not allowed on ${pathname}`);
  const [first, second, ...rest] = tail;
  if (first === undefined || rest.length > 0) return notFound;
  if (second === undefined)
    return first === "confirm" ? only("POST", { route: "confirm" }) : only("GET", { route: "get", paymentKey: first });
  if (first === "orders") return only("GET", { route: "get", orderId: second });
  if (second === "cancel") return only("POST", { route: "cancel", paymentKey: first });
  return notFound;
}

/** Checks the caller and reads the request; throws the PgError to answer when anything is wrong. */
export async function readApiRequest(
  req: http.IncomingMessage,
  route: ApiRoute,
  secretKey: string,
): Promise<ApiRequest> {
  if (!holdsSecretKey(req.headers.authorization, secretKey))
    throw PgError.of(
      "UNAUTHORIZED_KEY",
      "the secret key is missing or not one of this PG's (Basic base64(secretKey + ':'))",
    );
  if (route.route === "get") return route;

  const idempotencyKey = req.headers["idempotency-key"];
  if (typeof idempotencyKey !== "string" || idempotencyKey === "" || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)
    throw invalid(`the Idempotency-Key header is required (1 to ${MAX_IDEMPOTENCY_KEY} characters)`);
  let body: Record<string, unknown>;
  try {
    body = await readJsonObject(req);
  } catch (error) {
    if (error instanceof HttpError) throw new PgError(error.status, "INVALID_REQUEST", error.message);
    throw error;
  }
  return route.route === "confirm"
    ? { route: "confirm", idempotencyKey, body: confirmBody(body) }
    : { route: "cancel", paymentKey: route.paymentKey, idempotencyKey, body: cancelBody(body) };
}

function confirmBody(body: Record<string, unknown>): ConfirmBody {
  const { paymentKey, orderId, amount } = body;
  if (typeof paymentKey !== "string" || paymentKey === "" || paymentKey.length > 200)
    throw invalid("paymentKey must be a non-empty string of at most 200 characters");
  if (typeof orderId !== "string" || !ORDER_ID_FORM.test(orderId))
    throw invalid("orderId must be 6 to 64 characters of A-Z, a-z, 0-9, - and _");
  return { paymentKey, orderId, amount: positiveAmount(amount, "amount") };
}

function cancelBody(body: Record<string, unknown>): CancelBody {
  const { cancelReason, cancelAmount } = body;
  if (typeof cancelReason !== "string" || cancelReason.trim() === "" || cancelReason.length > MAX_CANCEL_REASON)
    throw invalid(`cancelReason must be a non-empty string of at most ${MAX_CANCEL_REASON} characters`);
  // null is taken as absent: a client may well send `cancelAmount: null` for "all of it".
  return {
    cancelReason,
    cancelAmount:
      cancelAmount === undefined || cancelAmount === null ? null : positiveAmount(cancelAmount, "cancelAmount"),
  };
}

function positiveAmount(value: unknown, name: string): number {
  if (!isPositiveAmount(value)) throw invalid(`${name} must be a positive integer`);
  return value;
}

function holdsSecretKey(header: string | undefined, secretKey: string): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (match?.[1] === undefined) return false;
  const given = Buffer.from(Buffer.from(match[1], "base64").toString("utf8"));
  const expected = Buffer.from(`${secretKey}:`);
  // Constant time, as a real key check must be: the fake is where the habit is learnt.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function invalid(message: string): PgError {
  return PgError.of("INVALID_REQUEST", message);
}
