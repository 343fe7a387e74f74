import { describe, expect, it } from "vitest";
import { DomainError, ErrorCode } from "../../shared/errors.js";
import {
  KEY_MAX_LENGTH,
  KEY_TTL_MS,
  canonicalJson,
  decideOnStoredKey,
  expiryFrom,
  keyReusedForAnotherRequest,
  requestHash,
  validateIdempotencyKey,
} from "./idempotency.rules.js";
import { thrown } from "../../../test/helpers/thrown.js";

const DAY_MS = 24 * 3600 * 1000;

describe(validateIdempotencyKey.name, () => {
  it.each([
    ["a single character", "k"],
    [`exactly ${KEY_MAX_LENGTH} characters`, "k".repeat(KEY_MAX_LENGTH)],
    ["a UUID", "3f2b8c1e-9d4a-4e7b-8f6a-2c1d0e9b7a65"],
  ])("accepts %s, unchanged", (_, key) => {
    expect(validateIdempotencyKey(key)).toBe(key);
  });

  it.each([
    ["an empty key", ""],
    [`a key of ${KEY_MAX_LENGTH + 1} characters`, "k".repeat(KEY_MAX_LENGTH + 1)],
    ["a very long key", "k".repeat(10_000)],
  ])("refuses %s", (_, key) => {
    const error = thrown(() => validateIdempotencyKey(key));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "idempotencyKey" });
    expect(error.message).toBe(`idempotencyKey must be 1 to ${KEY_MAX_LENGTH} characters`);
  });
});

describe(canonicalJson.name, () => {
  it("writes object keys in sorted order", () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
  });

  it("gives the same text whatever the key order, at every depth", () => {
    const one = {
      items: [{ productId: 1, optionId: 2, quantity: 3 }],
      meta: { z: { y: 1, x: [{ q: 1, p: 2 }] }, a: true },
    };
    const two = {
      meta: { a: true, z: { x: [{ p: 2, q: 1 }], y: 1 } },
      items: [{ quantity: 3, optionId: 2, productId: 1 }],
    };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(canonicalJson(one)).toBe(
      '{"items":[{"optionId":2,"productId":1,"quantity":3}],"meta":{"a":true,"z":{"x":[{"p":2,"q":1}],"y":1}}}',
    );
  });

  it("keeps arrays in their order", () => {
    expect(canonicalJson([3, 1, 2])).toBe("[3,1,2]");
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]));
  });

  it("drops undefined properties, so a left-out field equals an absent one", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ nested: { gone: undefined } })).toBe('{"nested":{}}');
  });

  it("keeps null properties, so null differs from absent", () => {
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it.each([
    ["null", null, "null"],
    ["undefined, as null", undefined, "null"],
    ["a string", 'say "hi"', '"say \\"hi\\""'],
    ["a number", 42, "42"],
    ["a negative fraction", -1.5, "-1.5"],
    ["true", true, "true"],
    ["false", false, "false"],
    ["an empty object", {}, "{}"],
    ["an empty array", [], "[]"],
    ["an array holding null and undefined", [null, undefined], "[null,null]"],
  ])("writes %s as plain JSON", (_, value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it("quotes keys as JSON strings", () => {
    expect(canonicalJson({ 'a"b': 1 })).toBe('{"a\\"b":1}');
  });

  it("sorts keys by code unit, so case and digits order deterministically", () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, "1": 4 })).toBe('{"1":4,"B":2,"a":3,"b":1}');
  });

  it("parses back to the same value", () => {
    const value = { fromCart: null, items: [{ productId: 1, optionId: null, quantity: 2 }] };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});

describe("requestHash", () => {
  it("is a SHA-256 in hex", () => {
    expect(requestHash({ amount: 1000 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for the same request with its keys in another order", () => {
    expect(requestHash({ items: [{ productId: 1, quantity: 2 }], fromCart: null })).toBe(
      requestHash({ fromCart: null, items: [{ quantity: 2, productId: 1 }] }),
    );
  });

  it.each([
    ["another amount", { amount: 1000 }, { amount: 1001 }],
    ["another type of the same value", { amount: 1000 }, { amount: "1000" }],
    ["lines in another order", { items: [1, 2] }, { items: [2, 1] }],
    ["null instead of false", { fromCart: null }, { fromCart: false }],
    ["a field set to null instead of left out", { fromCart: null }, {}],
  ])("differs for %s", (_, one, two) => {
    expect(requestHash(one)).not.toBe(requestHash(two));
  });
});

describe(decideOnStoredKey.name, () => {
  const now = new Date("2025-03-01T12:00:00.000Z");
  const hash = requestHash({ amount: 1000 });
  const other = requestHash({ amount: 2000 });
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

  it("replays the first result for the same request before the key expires", () => {
    expect(decideOnStoredKey({ requestHash: hash, expiresAt: at(1) }, hash, now)).toBe("replay");
  });

  it("refuses another request under the key before it expires", () => {
    expect(decideOnStoredKey({ requestHash: hash, expiresAt: at(KEY_TTL_MS) }, other, now)).toBe("conflict");
  });

  it.each([
    ["at the exact instant it expires", 0],
    ["a millisecond after it expired", -1],
    ["long after it expired", -KEY_TTL_MS],
  ])("treats the key as new %s, whatever the request", (_, offsetMs) => {
    expect(decideOnStoredKey({ requestHash: hash, expiresAt: at(offsetMs) }, hash, now)).toBe("expired");
    expect(decideOnStoredKey({ requestHash: hash, expiresAt: at(offsetMs) }, other, now)).toBe("expired");
  });
});

describe("keyReusedForAnotherRequest", () => {
  it("is a CONFLICT naming the idempotencyKey field", () => {
    const error = keyReusedForAnotherRequest();
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe(ErrorCode.CONFLICT);
    expect(error.details).toEqual({ field: "idempotencyKey" });
    expect(error.message).toBe("this idempotencyKey was already used for a different request");
  });
});

describe("expiryFrom", () => {
  const now = new Date("2025-03-01T12:00:00.000Z");

  it("remembers a key for at least 24 hours", () => {
    expect(expiryFrom(now).getTime() - now.getTime()).toBeGreaterThanOrEqual(DAY_MS);
  });

  it(`expires the key exactly ${KEY_TTL_MS} ms later, without changing the given instant`, () => {
    expect(expiryFrom(now)).toEqual(new Date("2025-03-03T12:00:00.000Z"));
    expect(now.toISOString()).toBe("2025-03-01T12:00:00.000Z");
  });

  it("gives a key that is still live a millisecond before it expires and expired at that instant", () => {
    const stored = { requestHash: "h", expiresAt: expiryFrom(now) };
    expect(decideOnStoredKey(stored, "h", new Date(now.getTime() + DAY_MS))).toBe("replay");
    expect(decideOnStoredKey(stored, "h", new Date(stored.expiresAt.getTime() - 1))).toBe("replay");
    expect(decideOnStoredKey(stored, "h", stored.expiresAt)).toBe("expired");
  });
});
