import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/errors.js";
import { RateLimitKeys, rateLimited, retryAfterSeconds, tokensToTake } from "./rate-limit.rules.js";

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
