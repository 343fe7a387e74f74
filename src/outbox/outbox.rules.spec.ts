import { describe, expect, it } from "vitest";
import { cappedBackoffMs, isWorthAWarning, republishAction } from "./outbox.rules.js";

describe(cappedBackoffMs.name, () => {
  it("doubles from the base delay with each try", () => {
    expect([1, 2, 3, 4, 5].map((tries) => cappedBackoffMs(tries, 1_000, 300_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000,
    ]);
  });

  it("stays at the cap once the doubling reaches it, for ever", () => {
    expect(cappedBackoffMs(9, 1_000, 300_000)).toBe(256_000);
    expect(cappedBackoffMs(10, 1_000, 300_000)).toBe(300_000);
    expect(cappedBackoffMs(11, 1_000, 300_000)).toBe(300_000);
    // A job retried for weeks: 2^1000 would be Infinity, and Infinity ms would never retry.
    expect(cappedBackoffMs(1_000, 1_000, 300_000)).toBe(300_000);
    expect(cappedBackoffMs(Number.MAX_SAFE_INTEGER, 1_000, 300_000)).toBe(300_000);
  });

  it("waits the base delay before the first try, and for a count below one", () => {
    expect(cappedBackoffMs(1, 10, 100)).toBe(10);
    expect(cappedBackoffMs(0, 10, 100)).toBe(10);
  });

  it("never waits longer than the cap, even when the base is above it", () => {
    expect(cappedBackoffMs(1, 5_000, 1_000)).toBe(1_000);
  });
});

describe(republishAction.name, () => {
  it.each(["waiting", "active", "delayed", "prioritized", "waiting-children"])(
    "leaves a %s job to deliver the event",
    (state) => {
      expect(republishAction(state)).toBe("leave");
    },
  );

  it("adds a job BullMQ does not know (lost with Redis, or removed)", () => {
    expect(republishAction("unknown")).toBe("add");
  });

  it.each(["completed", "failed"])("replaces a %s job, whose id would make BullMQ ignore the add", (state) => {
    expect(republishAction(state)).toBe("replace");
  });
});

describe(isWorthAWarning.name, () => {
  it("warns of the first three failures, then as their count doubles", () => {
    const warned = Array.from({ length: 70 }, (_, index) => index + 1).filter(isWorthAWarning);
    expect(warned).toEqual([1, 2, 3, 4, 8, 16, 32, 64]);
  });

  it("keeps warning, ever more rarely, however long a job is retried", () => {
    expect(isWorthAWarning(2 ** 40)).toBe(true);
    expect(isWorthAWarning(2 ** 40 + 1)).toBe(false);
  });
});
