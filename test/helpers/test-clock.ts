import type { Clock } from "../../src/shared/clock.js";

/** A clock a test sets by hand: orders are paid "on" whatever day it says. */
export class TestClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current);
  }

  set(instant: Date): void {
    this.current = new Date(instant);
  }
}

/**
 * The real time, moved on by what a test says: for a service that must see time pass (a reservation's
 * TTL lapsing) while everything else (the browser, Redis, tokens) goes on as it was.
 */
export class ShiftedClock implements Clock {
  private shiftMs = 0;

  now(): Date {
    return new Date(Date.now() + this.shiftMs);
  }

  advance(ms: number): void {
    this.shiftMs += ms;
  }
}
