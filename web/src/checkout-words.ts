import type { CheckoutFieldsFragment } from "../../sdk/index.js";
import { formatWon } from "./format.js";

/** Why a checkout failed or was refunded (Checkout.failureCode), in plain words. */
const FAILURES: Record<string, string> = {
  OUT_OF_STOCK: "It sold out while you were paying, so you were not charged.",
  INSUFFICIENT_POINTS: "Your points no longer covered the point part, so you were not charged.",
  PAY_PROCESS_CANCELED: "You cancelled the payment, so you were not charged.",
  EXPIRED: "The checkout timed out before the payment was confirmed, so you were not charged.",
  AMOUNT_MISMATCH_REFUNDED: "The card was charged a wrong amount and has been refunded in full.",
  PAYMENT_MISMATCH_REFUNDED: "The card payment did not match this order and has been refunded in full.",
  PAID_AFTER_FAILURE_REFUNDED: "The card was charged after the checkout had ended and has been refunded in full.",
  SALE_NOT_RECORDED_REFUNDED: "We could not record the sale, so the card payment has been refunded in full.",
};

/** A checkout's outcome for the buyer: a headline and the detail. */
export function checkoutOutcome(checkout: CheckoutFieldsFragment): { title: string; detail: string } {
  const split =
    checkout.pointAmount > 0
      ? `${formatWon(checkout.amount)} by card and ${formatWon(checkout.pointAmount)} in points`
      : `${formatWon(checkout.amount)} by card`;
  const why = (fallback: string) =>
    (checkout.failureCode ? FAILURES[checkout.failureCode] : undefined) ?? checkout.failureMessage ?? fallback;
  switch (checkout.status) {
    case "PAID":
      return { title: "Payment complete: PAID", detail: `Order ${checkout.order?.id ?? ""} is paid: ${split}.` };
    case "PENDING":
    case "CONFIRMING":
      return { title: "Confirming your payment…", detail: "This takes a moment. Please keep this window open." };
    case "FAILED":
      return { title: "Payment failed", detail: why("The payment did not go through, so you were not charged.") };
    case "EXPIRED":
      return { title: "Checkout expired", detail: why("The checkout timed out, so you were not charged.") };
    case "REFUNDED":
      return { title: "Payment refunded", detail: why("The card payment has been refunded in full.") };
  }
}
