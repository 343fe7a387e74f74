import type { Answer } from "../fake-data-platform/json-http.js";

/**
 * Idempotency-Key handling of confirm and cancel. Toss keys a request by the key together with the
 * API key, the path and the method, and answers a repeat with the first answer, whatever it was; a
 * repeat while the first is still being processed is refused with 409 IDEMPOTENT_REQUEST_PROCESSING.
 *
 * One choice of the fake's own: a repeat with a different body is refused (422
 * INVALID_IDEMPOTENCY_KEY). Toss is reported to replay the first answer then, which would hand a
 * client that reused a key by mistake another request's answer as its own; refusing shows the bug in
 * tests instead of hiding it.
 */

export type Claim =
  { kind: "new" } | { kind: "replay"; answer: Answer } | { kind: "processing" } | { kind: "mismatch" };

interface KeyRecord {
  fingerprint: string;
  /** Null while the first request with this key is being processed. */
  answer: Answer | null;
}

/** Toss keeps keys 15 days; the fake keeps the latest this many answers, which no test outgrows. */
const MAX_KEYS = 100_000;

export class IdempotencyKeys {
  private readonly records = new Map<string, KeyRecord>();

  /** Claims `scope` for a request with this body, or says why it must not be processed. */
  claim(scope: string, body: unknown): Claim {
    const fingerprint = canonicalJson(body);
    const record = this.records.get(scope);
    if (record === undefined) {
      this.records.set(scope, { fingerprint, answer: null });
      this.forgetOldest();
      return { kind: "new" };
    }
    if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
    if (record.answer === null) return { kind: "processing" };
    return { kind: "replay", answer: structuredClone(record.answer) };
  }

  /** Keeps the answer for every repeat of the request. */
  settle(scope: string, answer: Answer): void {
    const record = this.records.get(scope);
    if (record !== undefined) record.answer = structuredClone(answer);
  }

  /** The request ended without being processed (the fake closed mid-delay): a repeat may run it. */
  release(scope: string): void {
    if (this.records.get(scope)?.answer === null) this.records.delete(scope);
  }

  clear(): void {
    this.records.clear();
  }

  private forgetOldest(): void {
    if (this.records.size <= MAX_KEYS) return;
    // Maps iterate in insertion order; a key still being processed is kept, or its request could run twice.
    for (const [scope, record] of this.records) {
      if (record.answer !== null) {
        this.records.delete(scope);
        return;
      }
    }
  }
}

/** What a key is scoped to: the API key, the method and the path, as Toss scopes it. */
export function idempotencyScope(secretKey: string, method: string, path: string, key: string): string {
  return JSON.stringify([secretKey, method, path, key]);
}

/** JSON with object keys sorted, so two bodies that differ only in key order count as the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
