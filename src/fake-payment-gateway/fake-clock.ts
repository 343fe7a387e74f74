/**
 * The fake's clock: the injected one, moved forward by `POST /control {"advanceClockSeconds": n}`.
 * A test passes the confirm window without waiting for it, while the service under test keeps its
 * own clock: exactly the "clocks apart" a real PG and shop live with.
 */
export class FakeClock {
  private offsetMs = 0;

  constructor(private readonly base: () => Date) {}

  readonly now = (): Date => new Date(this.base().getTime() + this.offsetMs);

  /** Forward only: a PG's time never runs back, and the ledger's order of events relies on it. */
  advance(seconds: number): void {
    if (!(seconds >= 0)) throw new RangeError("the clock only moves forward");
    this.offsetMs += seconds * 1000;
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}
