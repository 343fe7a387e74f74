import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, retryDelayMs, shouldRetry } from "./retry-policy.js";

describe("retry policy", () => {
  const policy = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 };

  it("doubles the delay cap per failed attempt up to the maximum, scaled by the jitter", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt, 0.999))).toEqual([9, 19, 39, 49, 49]);
    expect(retryDelayMs(policy, 3, 0)).toBe(0);
    expect(retryDelayMs(policy, 3, 0.5)).toBe(20);
  });

  it("retries only retryable failures, and only while attempts remain", () => {
    expect(shouldRetry(policy, 1, true)).toBe(true);
    expect(shouldRetry(policy, 3, true)).toBe(true);
    expect(shouldRetry(policy, 4, true)).toBe(false);
    expect(shouldRetry(policy, 1, false)).toBe(false);
  });

  it("defaults to a handful of quick attempts", () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThanOrEqual(3);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 10, 0.999)).toBeLessThan(DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});
