import { checkoutReconciles, pgConfirmDuration } from "../../observability/metrics.js";
import type { PaymentGatewayClient } from "../payment-gateway/payment-gateway.client.js";
import {
  classifyConfirm,
  classifyLookup,
  confirmIdempotencyKey,
  type PgConfirmOutcome,
  type PgLookupState,
} from "../payment-gateway/payment-gateway.rules.js";
import type { CheckoutGateway } from "./checkout.deps.js";
import type { PgVerdict } from "./checkout.rules.js";

/**
 * The PG client's answers, classified (payment-gateway.rules.ts), reduced to the verdicts a checkout
 * acts on. Confirm and lookup end in the same three verdicts, so the confirm's own answer, a reconcile
 * and a webhook are settled by one rule (checkout.rules.ts reconcileAction).
 */
export class PgCheckoutGateway implements CheckoutGateway {
  constructor(private readonly client: Pick<PaymentGatewayClient, "confirm" | "paymentOfOrder">) {}

  async confirm(request: { paymentKey: string; pgOrderId: string; amount: number }): Promise<PgVerdict> {
    const expected = { paymentKey: request.paymentKey, orderId: request.pgOrderId, amount: request.amount };
    const started = process.hrtime.bigint();
    // Derived from the unguessable, globally unique pgOrderId rather than a row id, which another
    // database (a restored backup, a second environment on the same PG account) could reuse.
    const answer = await this.client.confirm(expected, confirmIdempotencyKey(request.pgOrderId));
    const outcome = classifyConfirm(answer, expected);
    pgConfirmDuration.observe({ outcome: outcome.outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    return verdictOfConfirm(outcome);
  }

  async lookup(request: { pgOrderId: string; amount: number }): Promise<PgVerdict> {
    const state = classifyLookup(await this.client.paymentOfOrder(request.pgOrderId), { orderId: request.pgOrderId });
    const verdict = verdictOfLookup(state, request.amount);
    checkoutReconciles.inc({ verdict: verdict.state });
    return verdict;
  }
}

function verdictOfConfirm(outcome: PgConfirmOutcome): PgVerdict {
  switch (outcome.outcome) {
    case "approved":
      return {
        state: "captured",
        paymentKey: outcome.payment.paymentKey,
        totalAmount: outcome.payment.totalAmount,
        balanceAmount: outcome.payment.balanceAmount,
        exact: !outcome.amountMismatch,
      };
    case "declined":
      return { state: "not-captured", code: outcome.code };
    case "unknown":
      return { state: "undecided" };
  }
}

function verdictOfLookup(state: PgLookupState, amount: number): PgVerdict {
  switch (state.state) {
    case "paid":
      return {
        state: "captured",
        paymentKey: state.payment.paymentKey,
        totalAmount: state.payment.totalAmount,
        balanceAmount: state.payment.balanceAmount,
        exact: state.payment.totalAmount === amount,
      };
    case "not-paid":
      return { state: "not-captured", code: state.payment?.status ?? "NOT_FOUND_PAYMENT" };
    case "pending":
    case "unknown":
      return { state: "undecided" };
  }
}
