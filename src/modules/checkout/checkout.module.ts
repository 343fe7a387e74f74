import { notFound, DomainError, ErrorCode } from "../../shared/errors.js";
import type { CheckoutDeps } from "./checkout.deps.js";
import { CheckoutRecovery } from "./checkout-recovery.service.js";
import { findCheckout, type CheckoutRow } from "./checkout.repository.js";
import { CheckoutSettlement } from "./checkout-settlement.js";
import { ConfirmPaymentService } from "./confirm-payment.service.js";
import { StartCheckoutService, type StartCheckoutInput } from "./start-checkout.service.js";

/** What the browser needs to open the PG's window (pgClientConfig). */
export interface PgClientSettings {
  clientKey: string;
  sdkUrl: string;
  successUrl: string;
  failUrl: string;
  /** False when the shop runs without a PG (production without PG_API_URL): startCheckout is refused. */
  enabled: boolean;
}

/** The checkout module's use cases, as the resolver, the webhook route and the worker call them. */
export interface CheckoutUseCases {
  startCheckout(memberId: number, input: StartCheckoutInput): Promise<CheckoutRow>;
  confirmPayment: ConfirmPaymentService["confirmPayment"];
  abandonCheckout: ConfirmPaymentService["abandonCheckout"];
  checkoutOf(memberId: number, checkoutId: number): Promise<CheckoutRow>;
  pgClientConfig(): PgClientSettings;
  recovery: CheckoutRecovery;
}

/** Builds the services once per process (src/app/services.ts). */
export function createCheckoutUseCases(deps: CheckoutDeps, pgClient: PgClientSettings): CheckoutUseCases {
  const settlement = new CheckoutSettlement(deps);
  const starting = new StartCheckoutService(deps);
  const confirming = new ConfirmPaymentService(deps, settlement);
  const recovery = new CheckoutRecovery(deps, settlement, deps.log);
  return {
    startCheckout: (memberId, input) => {
      if (!pgClient.enabled) {
        return Promise.reject(
          new DomainError(
            ErrorCode.SERVICE_UNAVAILABLE,
            "card payments are not available: pay with points (placeOrder)",
          ),
        );
      }
      return starting.startCheckout(memberId, input);
    },
    confirmPayment: (memberId, request) => confirming.confirmPayment(memberId, request),
    abandonCheckout: (memberId, request) => confirming.abandonCheckout(memberId, request),
    async checkoutOf(memberId, checkoutId) {
      const checkout = await findCheckout(deps.db, checkoutId);
      // Another member's checkout is NOT_FOUND, like one that does not exist.
      if (checkout?.memberId !== memberId) throw notFound("checkout", checkoutId);
      return checkout;
    },
    pgClientConfig: () => pgClient,
    recovery,
  };
}
