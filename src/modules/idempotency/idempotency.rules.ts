import { createHash } from "node:crypto";
import { DomainError, ErrorCode, badUserInput } from "../../shared/errors.js";

export const KEY_MAX_LENGTH = 255;
/** How long a key is remembered. SPEC: at least 24 h; a day more leaves room for clock skew and retries. */
export const KEY_TTL_MS = 48 * 3600 * 1000;

export type IdempotencyScope = "PLACE_ORDER" | "CHARGE_POINT" | "START_CHECKOUT";

/** 1 to 255 characters (code points, as the column counts them, not UTF-16 units). */
export function validateIdempotencyKey(key: string): string {
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points on purpose: what the column counts
  const length = [...key].length;
  if (length < 1 || length > KEY_MAX_LENGTH) {
    throw badUserInput("idempotencyKey", `idempotencyKey must be 1 to ${KEY_MAX_LENGTH} characters`);
  }
  return key;
}

/** JSON with object keys sorted at every depth, so equal inputs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      // Keys of one object are unique, so no two compare equal.
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What identifies "the same request" under one key: a SHA-256 of the canonical input. */
export const requestHash = (input: unknown): string => createHash("sha256").update(canonicalJson(input)).digest("hex");

export interface StoredKey {
  requestHash: string;
  expiresAt: Date;
}

export type KeyDecision = "replay" | "conflict" | "expired";

/**
 * A key already stored: replay its first result when the request is the same, refuse it when another
 * request reuses the key, and treat it as new once it has expired.
 */
export function decideOnStoredKey(stored: StoredKey, hash: string, now: Date): KeyDecision {
  if (stored.expiresAt.getTime() <= now.getTime()) return "expired";
  return stored.requestHash === hash ? "replay" : "conflict";
}

export const keyReusedForAnotherRequest = (): DomainError =>
  new DomainError(ErrorCode.CONFLICT, "this idempotencyKey was already used for a different request", {
    field: "idempotencyKey",
  });

export const expiryFrom = (now: Date): Date => new Date(now.getTime() + KEY_TTL_MS);
