import { isConstraintRefusal, isDuplicateKey } from "../../db/errors.js";
import { runInTransaction, type Tx } from "../../db/transaction.js";
import { checkoutOutcomes, ordersPlaced } from "../../observability/metrics.js";
import { DomainError, ErrorCode, badUserInput } from "../../shared/errors.js";
import { present } from "../../shared/present.js";
import { checkoutTransaction, type CheckoutDeps } from "./checkout.deps.js";
import { CheckoutReservation, RetakeRefused } from "./checkout-reservation.js";
import { lockCheckout, moveCheckout, setReconcile, type CheckoutRow } from "./checkout.repository.js";
import {
  FailureCode,
  confirmDecision,
  reconcileAction,
  reconcileDelayMs,
  reservationChange,
  type CheckoutStatus,
  type PgVerdict,
  type ReconcileAction,
} from "./checkout.rules.js";

/**
 * Every change of a checkout's status, each in a transaction of its own that locks the checkout row
 * first and decides on what it finds there (never on what was read before the lock), then applies
 * the transition with what it does to the reservation: stock and points taken again, given back, or
 * turned into the sale. Locks are taken in one order: checkout, cart, wallet, stock rows (option id
 * order), as placeOrder and cancellations take theirs, so none of them can deadlock another.
 */
export class CheckoutSettlement {
  private readonly reservation: CheckoutReservation;

  constructor(private readonly deps: CheckoutDeps) {
    this.reservation = new CheckoutReservation(deps);
  }

  /**
   * The success redirect, before the PG is called: PENDING (or EXPIRED, taking the stock and points
   * again) becomes CONFIRMING with this paymentKey. `started` is true for the one call that made the
   * move, the only one that may call the PG's confirm; a concurrent or repeated call gets the
   * checkout as it is. A lapsed reservation whose stock is gone fails here (OUT_OF_STOCK): the PG
   * is never asked to capture money for what cannot be sold.
   */
  async beginConfirm(
    checkoutId: number,
    paymentKey: string,
    amount: number,
  ): Promise<{ checkout: CheckoutRow; started: boolean }> {
    try {
      return await runInTransaction(
        this.deps.db,
        async (tx) => {
          const row = present(await lockCheckout(tx, checkoutId), `checkout ${checkoutId}`);
          if (confirmDecision(row, paymentKey, amount) === "answer") return { checkout: row, started: false };
          const now = this.deps.clock.now();
          if (reservationChange(row.status, "CONFIRMING") === "take") await this.reservation.retake(tx, row, now);
          const set = {
            status: "CONFIRMING" as const,
            paymentKey,
            confirmStartedAt: now,
            reconcileAt: new Date(now.getTime() + this.deps.reconcileFirstMs),
            reconcileAttempts: 0,
            failureCode: null,
            failureMessage: null,
          };
          await moveCheckout(tx, checkoutId, row.status, set);
          return { checkout: { ...row, ...set, updatedAt: now }, started: true };
        },
        checkoutTransaction(this.deps, "begin_confirm"),
      );
    } catch (error) {
      if (isDuplicateKey(error)) throw badUserInput("paymentKey", "this paymentKey belongs to another checkout");
      if (!(error instanceof RetakeRefused)) throw error;
      return { checkout: await this.fail(checkoutId, ["EXPIRED"], error.failureCode, null), started: false };
    }
  }

  /**
   * Applies the PG's verdict (from the confirm's own answer, a reconcile or a webhook): the sale, a
   * refund, a failure, or another question later (checkout.rules.ts reconcileAction, decided on the
   * locked row). A sale that cannot be recorded for good once the PG captured the money is refunded.
   */
  async settle(checkoutId: number, verdict: PgVerdict): Promise<{ checkout: CheckoutRow; action: ReconcileAction }> {
    try {
      return await this.apply(checkoutId, verdict, null);
    } catch (error) {
      if (!isFinalFailure(error) || verdict.state !== "captured") throw error;
      // The money is captured and the sale can never be written: it goes back to the buyer. A bug or a
      // broken invariant, so an operator must hear of it.
      this.deps.log.error(
        { checkoutId, err: { message: (error as Error).message } },
        "a sale the PG approved could not be recorded: the payment is refunded",
      );
      return this.apply(checkoutId, verdict, error);
    }
  }

  /** Releases a PENDING checkout whose reservation has reached its end; false when there was nothing to do. */
  async expire(checkoutId: number): Promise<boolean> {
    const expired = await runInTransaction(
      this.deps.db,
      async (tx) => {
        const row = await lockCheckout(tx, checkoutId);
        if (row?.status !== "PENDING" || row.expiresAt > this.deps.clock.now()) return false;
        await this.reservation.release(tx, row);
        await moveCheckout(tx, checkoutId, "PENDING", { status: "EXPIRED", failureCode: FailureCode.EXPIRED });
        return true;
      },
      checkoutTransaction(this.deps, "expire_checkout"),
    );
    if (expired) checkoutOutcomes.inc({ outcome: "EXPIRED" });
    return expired;
  }

  /** Fails the checkout if it is still in one of `from`, releasing what it holds; the checkout as it ends up. */
  async fail(
    checkoutId: number,
    from: readonly CheckoutStatus[],
    failureCode: string,
    failureMessage: string | null,
  ): Promise<CheckoutRow> {
    return runInTransaction(
      this.deps.db,
      async (tx) => {
        const row = present(await lockCheckout(tx, checkoutId), `checkout ${checkoutId}`);
        if (!from.includes(row.status)) return row;
        if (reservationChange(row.status, "FAILED") === "release") await this.reservation.release(tx, row);
        const set = { status: "FAILED" as const, failureCode, failureMessage, reconcileAt: null };
        await moveCheckout(tx, checkoutId, row.status, set);
        checkoutOutcomes.inc({ outcome: "FAILED" });
        return { ...row, ...set };
      },
      checkoutTransaction(this.deps, "fail_checkout"),
    );
  }

  private async apply(
    checkoutId: number,
    verdict: PgVerdict,
    unrecordable: unknown,
  ): Promise<{ checkout: CheckoutRow; action: ReconcileAction }> {
    const result = await runInTransaction(
      this.deps.db,
      async (tx) => {
        const row = present(await lockCheckout(tx, checkoutId), `checkout ${checkoutId}`);
        let action = reconcileAction(row.status, verdict, row.paymentKey);
        if (unrecordable !== null && action.do === "record-sale" && verdict.state === "captured") {
          action = {
            do: "refund",
            amount: verdict.balanceAmount,
            paymentKey: verdict.paymentKey,
            failureCode: FailureCode.SALE_NOT_RECORDED_REFUNDED,
            cause: "SALE_NOT_RECORDED",
          };
        }
        return { checkout: await this.carryOut(tx, row, action, verdict), action };
      },
      checkoutTransaction(this.deps, "settle_checkout"),
    );
    this.afterCommit(result.checkout, result.action);
    return result;
  }

  /** One reconcile action on the locked row; the row as it is afterwards. */
  private async carryOut(tx: Tx, row: CheckoutRow, action: ReconcileAction, verdict: PgVerdict): Promise<CheckoutRow> {
    const now = this.deps.clock.now();
    switch (action.do) {
      case "record-sale": {
        const orderId = await this.reservation.sell(tx, row, now);
        const set = { status: "PAID" as const, orderId, reconcileAt: null };
        await moveCheckout(tx, row.id, row.status, set);
        return { ...row, ...set };
      }
      case "refund": {
        await this.deps.refunds.queue(tx, [
          {
            paymentKey: action.paymentKey,
            amount: action.amount,
            cause: action.cause,
            reason: `checkout ${row.id}: ${action.failureCode}`,
            checkoutId: row.id,
            orderItemId: null,
          },
        ]);
        if (reservationChange(row.status, "REFUNDED") === "release") await this.reservation.release(tx, row);
        const set = { status: "REFUNDED" as const, failureCode: action.failureCode, reconcileAt: null };
        await moveCheckout(tx, row.id, row.status, set);
        return { ...row, ...set };
      }
      case "fail": {
        await this.reservation.release(tx, row);
        const set = { status: "FAILED" as const, failureCode: action.failureCode, reconcileAt: null };
        await moveCheckout(tx, row.id, row.status, set);
        return { ...row, ...set };
      }
      case "ask-again":
        return this.askAgain(tx, row, now);
      case "nothing":
        // A question a webhook asked of a settled checkout: asked again while the PG cannot answer, else done.
        if (row.reconcileAt === null) return row;
        if (verdict.state === "undecided") return this.askAgain(tx, row, now);
        await setReconcile(tx, row.id, null, row.reconcileAttempts);
        return { ...row, reconcileAt: null };
    }
  }

  /** The PG is asked again later, a step further along the backoff. */
  private async askAgain(tx: Tx, row: CheckoutRow, now: Date): Promise<CheckoutRow> {
    const attempts = row.reconcileAttempts + 1;
    const reconcileAt = new Date(now.getTime() + reconcileDelayMs(attempts));
    await setReconcile(tx, row.id, reconcileAt, attempts);
    return { ...row, reconcileAt, reconcileAttempts: attempts };
  }

  private afterCommit(checkout: CheckoutRow, action: ReconcileAction): void {
    if (action.do === "record-sale") {
      ordersPlaced.inc();
      this.deps.outbox.notify();
    }
    if (action.do === "refund") this.deps.refunds.sendSoon([action.paymentKey]);
    if (action.do === "ask-again" && checkout.reconcileAt)
      this.deps.jobs.reconcileAt(checkout.id, checkout.reconcileAt);
    if (action.do !== "ask-again" && action.do !== "nothing") checkoutOutcomes.inc({ outcome: checkout.status });
  }
}

/**
 * Whether recording a sale failed for good, rather than for now: a rule or a constraint refused it
 * (a DomainError, a database refusal). Not a lost connection, an unknown commit outcome or a lock
 * that could not be had: those are tried again by the reconcile, and the money stays captured meanwhile.
 */
function isFinalFailure(error: unknown): boolean {
  if (error instanceof DomainError)
    return error.code !== ErrorCode.SERVICE_UNAVAILABLE && error.details.retryable !== true;
  return isConstraintRefusal(error);
}
