import type { Tx } from "../../db/transaction.js";
import type { Clock } from "../../shared/clock.js";
import { insertRefunds, pendingRefunds, type NewPgRefund } from "./pg-refund.repository.js";
import type { Db } from "../../db/transaction.js";

export type RefundToQueue = NewPgRefund;

/** Told after a commit that queued refunds, so they are sent at once rather than at the next sweep. */
export interface RefundSignal {
  refundsQueued(paymentKeys: readonly string[]): void;
}

/**
 * Money owed back at the PG. A refund is decided inside the transaction that makes it owed (a
 * cancelled line, a payment no sale stands behind) and written there as a pg_refund row: the outbox of
 * PG cancels. Delivering it (the PG's cancel API) happens after commit, in the worker.
 */
export class PgRefunds {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Inside the caller's transaction: records refunds to send to the PG after commit. */
  queue(tx: Tx, refunds: readonly RefundToQueue[]): Promise<void> {
    return insertRefunds(tx, refunds, this.clock.now());
  }

  /** How many refunds are still owed at the PG, and the age in seconds of the oldest (0 when none). */
  async backlog(): Promise<{ refunds: number; oldestSeconds: number }> {
    const { count, oldest } = await pendingRefunds(this.db);
    const oldestSeconds = oldest === null ? 0 : Math.max(0, (this.clock.now().getTime() - oldest.getTime()) / 1000);
    return { refunds: count, oldestSeconds };
  }
}
