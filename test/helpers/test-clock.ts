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
