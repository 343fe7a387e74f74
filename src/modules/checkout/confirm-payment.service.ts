import { badUserInput } from "../../shared/errors.js";
import type { CheckoutDeps } from "./checkout.deps.js";
import { findCheckoutByPgOrderId, type CheckoutRow } from "./checkout.repository.js";
import { FailureCode, confirmDecision, validateRedirect, validateFailRedirect } from "./checkout.rules.js";
import type { CheckoutSettlement } from "./checkout-settlement.js";

/**
 * The PG's two redirects. Success: confirmPayment asks the PG to capture the payment (outside any
 * transaction: a PG that takes seconds holds no lock meanwhile), then settles the checkout on the
 * answer. Fail: abandonCheckout gives the reservation back at once.
 */
export class ConfirmPaymentService {
  constructor(
    private readonly deps: CheckoutDeps,
    private readonly settlement: CheckoutSettlement,
  ) {}

  /**
   * Replays and concurrent calls with the same paymentKey get the checkout as it is (CONFIRMING while
   * the first call waits for the PG): only the call that moved it to CONFIRMING calls the PG. When the
   * PG's answer is unknown (a timeout, a 5xx), the checkout stays CONFIRMING with its reservation, and
   * the reconcile asks the PG until it knows.
   */
  async confirmPayment(
    memberId: number,
    request: { paymentKey: string; pgOrderId: string; amount: number },
  ): Promise<CheckoutRow> {
    validateRedirect(request);
    const found = await this.checkoutOf(memberId, request.pgOrderId);
    // Checked before anything is written or the PG is called: a tampered amount, a second payment.
    if (confirmDecision(found, request.paymentKey, request.amount) === "answer") return found;
    const { checkout, started } = await this.settlement.beginConfirm(found.id, request.paymentKey, request.amount);
    if (!started) return checkout;
    const verdict = await this.deps.gateway.confirm({
      paymentKey: request.paymentKey,
      pgOrderId: checkout.pgOrderId,
      amount: checkout.amount,
    });
    return (await this.settlement.settle(checkout.id, verdict)).checkout;
  }

  /** The PG's fail redirect (the buyer left the window, or the PG refused before any confirm): FAILED with its code. */
  async abandonCheckout(
    memberId: number,
    request: { pgOrderId: string; code?: string | null; message?: string | null },
  ): Promise<CheckoutRow> {
    validateRedirect({ pgOrderId: request.pgOrderId });
    const failure = validateFailRedirect(request.code, request.message);
    const found = await this.checkoutOf(memberId, request.pgOrderId);
    if (found.status !== "PENDING") return found;
    return this.settlement.fail(
      found.id,
      ["PENDING"],
      failure.code ?? FailureCode.PAY_PROCESS_CANCELED,
      failure.message,
    );
  }

  /** Another member's checkout is refused like one that does not exist, and the PG is never called for it. */
  private async checkoutOf(memberId: number, pgOrderId: string): Promise<CheckoutRow> {
    const found = await findCheckoutByPgOrderId(this.deps.db, pgOrderId);
    if (found?.memberId !== memberId) throw badUserInput("pgOrderId", "no checkout of yours has this pgOrderId");
    return found;
  }
}
