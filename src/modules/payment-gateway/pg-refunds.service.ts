import type { Db, Tx } from "../../db/transaction.js";
import type { Logger } from "../../observability/logger.js";
import { pgRefundAttempts } from "../../observability/metrics.js";
import { cappedBackoffMs } from "../../outbox/outbox.rules.js";
import type { Clock } from "../../shared/clock.js";
import type { PaymentGatewayClient } from "./payment-gateway.client.js";
import {
  cancelAlreadyApplied,
  cancelIdempotencyKey,
  cancelledTotal,
  classifyCancel,
  classifyLookup,
} from "./payment-gateway.rules.js";
import {
  confirmedTotalOfPayment,
  insertRefunds,
  listPaymentsWithDueRefunds,
  listPendingOfPayment,
  markRefundDone,
  markRefundRetry,
  pendingRefunds,
  type NewPgRefund,
  type PgRefundRow,
} from "./pg-refund.repository.js";

export type RefundToQueue = NewPgRefund;

/** Told after a commit that queued refunds, so they are sent at once rather than at the next sweep; never throws. */
export interface RefundSignal {
  refundsQueued(paymentKeys: readonly string[]): void;
}

/** Retries of a refund the PG did not confirm: 2 s doubling to 5 minutes, then every 5 minutes, never giving up. */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 300_000;
/** Payments whose due refunds one sweep sends; the next sweep takes the rest. */
const SWEEP_BATCH = 100;

/**
 * Money owed back at the PG. A refund is decided inside the transaction that makes it owed (a
 * cancelled line, a payment no sale stands behind) and written there as a pg_refund row: the outbox
 * of PG cancels. It is sent after commit (deliver, from a job or the sweep) and retried until the PG
 * confirms it, never twice: the cancels of one payment are sent one at a time, oldest first, each
 * with an Idempotency-Key of its own, and before each attempt the payment is read from the PG, whose
 * cancels[] say whether an earlier attempt (whose answer was lost) went through already.
 */
export class PgRefunds {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly client: Pick<PaymentGatewayClient, "payment" | "cancel">,
    private readonly signal: RefundSignal,
    private readonly log: Logger,
  ) {}

  /** Inside the caller's transaction: records refunds to send to the PG after commit. */
  queue(tx: Tx, refunds: readonly RefundToQueue[]): Promise<void> {
    return insertRefunds(tx, refunds, this.clock.now());
  }

  /** After the commit that queued refunds: send them now (a job), the sweep being the safety net. */
  sendSoon(paymentKeys: readonly string[]): void {
    if (paymentKeys.length > 0) this.signal.refundsQueued([...new Set(paymentKeys)]);
  }

  /**
   * Sends the payment's pending refunds, oldest first, stopping at the first the PG does not confirm
   * (the later ones wait for it: the order is what makes cancels[] readable). Returns how many are
   * still owed. Safe to run twice at once only in the sense that nothing is refunded twice: a job id
   * per payment keeps it to one runner in practice.
   */
  async deliver(paymentKey: string): Promise<number> {
    const pending = await listPendingOfPayment(this.db, paymentKey);
    for (const [index, refund] of pending.entries()) {
      if (!(await this.deliverOne(refund))) return pending.length - index;
    }
    return 0;
  }

  /** The sweep: every payment with a refund due now is sent again. */
  async sweep(): Promise<number> {
    const paymentKeys = await listPaymentsWithDueRefunds(this.db, this.clock.now(), SWEEP_BATCH);
    let owed = 0;
    for (const paymentKey of paymentKeys) {
      try {
        owed += await this.deliver(paymentKey);
      } catch (error) {
        this.log.warn({ paymentKey, err: { message: (error as Error).message } }, "PG refund sweep: will retry");
      }
    }
    return owed;
  }

  /** How many refunds are still owed at the PG, and the age in seconds of the oldest (0 when none). */
  async backlog(): Promise<{ refunds: number; oldestSeconds: number }> {
    const { count, oldest } = await pendingRefunds(this.db);
    const oldestSeconds = oldest === null ? 0 : Math.max(0, (this.clock.now().getTime() - oldest.getTime()) / 1000);
    return { refunds: count, oldestSeconds };
  }

  /** One refund: read the payment, send the cancel unless it was applied already. True once the PG confirmed it. */
  private async deliverOne(refund: PgRefundRow): Promise<boolean> {
    const lookup = classifyLookup(await this.client.payment(refund.paymentKey), { paymentKey: refund.paymentKey });
    if (lookup.state !== "paid") {
      return this.retry(refund, `the payment could not be read as captured: ${describe(lookup)}`);
    }
    const confirmedBefore = await confirmedTotalOfPayment(this.db, refund.paymentKey);
    if (cancelAlreadyApplied(cancelledTotal(lookup.payment), confirmedBefore, refund.amount)) {
      pgRefundAttempts.inc({ result: "already-applied" });
      await markRefundDone(this.db, refund.id, this.clock.now());
      return true;
    }
    const answer = await this.client.cancel(
      refund.paymentKey,
      { cancelReason: refund.reason, cancelAmount: refund.amount },
      // Unique across databases sharing the PG account, as the paymentKey is; the same for every attempt.
      cancelIdempotencyKey(`${refund.paymentKey}-${refund.id}`),
    );
    const outcome = classifyCancel(answer, { paymentKey: refund.paymentKey });
    if (outcome.outcome === "cancelled" || outcome.outcome === "already-cancelled") {
      pgRefundAttempts.inc({ result: "done" });
      await markRefundDone(this.db, refund.id, this.clock.now());
      return true;
    }
    if (outcome.outcome === "refused") {
      // Not retried into success by waiting: an operator must look. It stays owed (and on /metrics).
      this.log.error({ refundId: refund.id, code: outcome.code }, "the PG refused a refund: it stays owed");
      return this.retry(refund, `refused: ${outcome.code} ${outcome.message}`);
    }
    return this.retry(refund, `unknown: ${outcome.reason}`);
  }

  private async retry(refund: PgRefundRow, why: string): Promise<false> {
    pgRefundAttempts.inc({ result: "retry" });
    const next = new Date(
      this.clock.now().getTime() + cappedBackoffMs(refund.attempts + 1, RETRY_FIRST_MS, RETRY_MAX_MS),
    );
    await markRefundRetry(this.db, refund.id, why, next);
    return false;
  }
}

function describe(lookup: ReturnType<typeof classifyLookup>): string {
  if (lookup.state === "unknown") return lookup.reason;
  return lookup.state === "not-paid" ? lookup.why : `the payment is ${lookup.state}`;
}
