import type { RuleAction, RuleRoute } from "./failure-rules.js";

/**
 * What reached the server API, so a test can assert on calls rather than on effects alone: "the PG
 * was never called for this orderId", "the confirm was sent twice and processed once". Written when
 * a request arrives, so a dropped or hanging request is there too.
 */

export interface LoggedRequest {
  /** When it arrived, on the fake's clock (ISO 8601, UTC). */
  at: string;
  method: string;
  route: RuleRoute;
  path: string;
  /**
   * From the path or the body, else those of the payment the request named. A request refused before
   * its body was read (a 401, a missing Idempotency-Key) shows only what its path names.
   */
  paymentKey?: string;
  orderId?: string;
  idempotencyKey?: string;
  /** The status answered (or decided, when the answer was held back); null when none was. */
  status: number | null;
  /** The injected failure applied to it, if any. */
  injected?: RuleAction["type"];
  /** True when it was a repeat answered from its Idempotency-Key's first answer. */
  replayed?: boolean;
}

export interface RequestFilter {
  route?: string;
  orderId?: string;
  paymentKey?: string;
}

/** Enough for any test; older entries go first, so a long demo run cannot grow without bound. */
const MAX_ENTRIES = 10_000;

export class RequestLog {
  private entries: LoggedRequest[] = [];

  /** Adds an entry and hands it back, to be filled in as the request goes on. */
  record(entry: LoggedRequest): LoggedRequest {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return entry;
  }

  list(filter: RequestFilter = {}): LoggedRequest[] {
    return structuredClone(
      this.entries.filter(
        (entry) =>
          (filter.route === undefined || entry.route === filter.route) &&
          (filter.orderId === undefined || entry.orderId === filter.orderId) &&
          (filter.paymentKey === undefined || entry.paymentKey === filter.paymentKey),
      ),
    );
  }

  clear(): void {
    this.entries = [];
  }
}
