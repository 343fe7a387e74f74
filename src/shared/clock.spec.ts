import { afterEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "./clock.js";

describe("systemClock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("tells the current time", () => {
    vi.useFakeTimers({ now: new Date("2025-03-01T14:59:59.999Z") });
    expect(systemClock.now()).toEqual(new Date("2025-03-01T14:59:59.999Z"));
    vi.advanceTimersByTime(1);
    expect(systemClock.now()).toEqual(new Date("2025-03-01T15:00:00.000Z"));
  });

  it("hands out a new Date each time, so a caller mutating one cannot move the clock", () => {
    vi.useFakeTimers({ now: new Date("2025-03-01T00:00:00.000Z") });
    const first = systemClock.now();
    first.setUTCFullYear(1999);
    expect(systemClock.now().getUTCFullYear()).toBe(2025);
  });
});
