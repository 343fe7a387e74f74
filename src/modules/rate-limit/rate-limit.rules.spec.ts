import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/errors.js";
import {
  MAX_LEASE,
  RateLimitKeys,
  leaseCeiling,
  nextLeaseSize,
  rateLimited,
  retryAfterSeconds,
  tokensToTake,
} from "./rate-limit.rules.js";

describe(retryAfterSeconds.name, () => {
  it.each([
    [0, 1],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [90_000, 90],
  ])("turns %d ms into %d s, never less than one", (milliseconds, seconds) => {
    expect(retryAfterSeconds(milliseconds)).toBe(seconds);
  });
});

describe(tokensToTake.name, () => {
  it.each([
    [1, 200, 1],
    [5, 200, 5],
    [5, 3, 3],
    [0, 200, 1],
  ])(
    "takes one token per mutation (%d mutations, a bucket of %d: %d), never more than the bucket holds",
    (count, burst, tokens) => {
      expect(tokensToTake(count, burst)).toBe(tokens);
    },
  );
});

describe(rateLimited.name, () => {
  it("is RATE_LIMITED with the wait in seconds in its details and message", () => {
    const error = rateLimited("too many requests", 2_500);
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.details).toEqual({ retryAfter: 3 });
    expect(error.message).toBe("too many requests: try again in 3 s");
  });
});

describe(RateLimitKeys.name, () => {
  const keys = new RateLimitKeys("shop");

  it("keeps one key per subject, under the prefix, with no shared hash tag", () => {
    expect(keys.mutations(42)).toBe("shop:rl:mutations:42");
    expect(keys.ipFailures("10.0.0.1")).toBe("shop:rl:ip:10.0.0.1");
    expect(keys.signUps("10.0.0.1")).toBe("shop:rl:signup:10.0.0.1");
    for (const key of [keys.mutations(1), keys.loginFailures("a"), keys.ipFailures("::1"), keys.signUps("::1")])
      expect(key).not.toMatch(/[{}]/);
  });

  it("counts a loginId under the canonical form it is given, byte for byte", () => {
    expect(keys.loginFailures("demo")).toBe("shop:rl:login:demo");
    expect(keys.loginFailures("\u00E0lice")).not.toBe(keys.loginFailures("alice"));
  });
});

describe(leaseCeiling.name, () => {
  it.each([
    [200, 50, 1_000, 32], // the defaults: MAX_LEASE
    [200, 10, 1_000, 10], // a second of the member's rate
    [5, 1_000_000, 1_000, 5], // never more than the bucket holds
    [200, 50, 0, 1], // leasing off: one token at a time
    [200, 1, 500, 1], // less than a token a lease: still one
  ])("burst %d, %d/s, leases of %d ms: at most %d tokens", (burst, rate, leaseMs, ceiling) => {
    expect(leaseCeiling(burst, rate, leaseMs)).toBe(ceiling);
  });

  it("never passes MAX_LEASE", () => {
    expect(leaseCeiling(1_000_000, 1_000_000, 60_000)).toBe(MAX_LEASE);
  });
});

describe(nextLeaseSize.name, () => {
  it("starts at one token, then doubles up to the ceiling", () => {
    const sizes = [nextLeaseSize(null, 20)];
    for (let i = 0; i < 6; i += 1) sizes.push(nextLeaseSize(sizes.at(-1)!, 20));
    expect(sizes).toEqual([1, 2, 4, 8, 16, 20, 20]);
  });
});
