import { useEffect, useState } from "react";
import { useApolloClient, useMutation } from "@apollo/client/react";
import {
  AbandonCheckoutDocument,
  CartDocument,
  CheckoutDocument,
  ConfirmPaymentDocument,
  PointDocument,
  type CheckoutFieldsFragment,
} from "../../../sdk/index.js";
import { checkoutOutcome } from "../checkout-words.js";
import { ErrorNote, StatusNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { Link, PageTitle, useLocation } from "../router.js";
import { notifyOpener } from "../pg.js";

/** Confirms or abandons once per page, whatever re-renders or StrictMode's double effects do. */
const started = new Map<string, Promise<CheckoutFieldsFragment>>();

function once(key: string, work: () => Promise<CheckoutFieldsFragment>): Promise<CheckoutFieldsFragment> {
  let pending = started.get(key);
  if (!pending) {
    pending = work();
    started.set(key, pending);
  }
  return pending;
}

const SETTLED = new Set(["PAID", "FAILED", "EXPIRED", "REFUNDED"]);
const AFTER = { refetchQueries: [CartDocument, PointDocument] };

/**
 * Where the PG sends its window back: /checkout/success?paymentKey&orderId&amount confirms the
 * payment (and follows the checkout while the PG's answer is awaited), /checkout/fail?code&message&orderId
 * abandons it. Either way the outcome is shown in words and sent to the page that opened the window.
 */
export function CheckoutResultPage({ outcome }: { outcome: "success" | "fail" }) {
  const { search } = useLocation();
  const [confirm] = useMutation(ConfirmPaymentDocument, AFTER);
  const [abandon] = useMutation(AbandonCheckoutDocument, AFTER);
  const [checkout, setCheckout] = useState<CheckoutFieldsFragment | null>(null);
  const [error, setError] = useState<unknown>(null);
  const paymentKey = search.get("paymentKey") ?? "";
  const pgOrderId = search.get("orderId") ?? "";
  const amount = Number(search.get("amount"));
  const code = search.get("code");
  const message = search.get("message");

  useEffect(() => {
    if (pgOrderId === "") return;
    const work =
      outcome === "success"
        ? once(`confirm:${paymentKey}`, async () => {
            const { data } = await confirm({ variables: { paymentKey, pgOrderId, amount } });
            return data.confirmPayment;
          })
        : once(`abandon:${pgOrderId}`, async () => {
            const { data } = await abandon({ variables: { pgOrderId, code, message } });
            return data.abandonCheckout;
          });
    work.then(setCheckout, setError);
  }, [outcome, paymentKey, pgOrderId, amount, code, message, confirm, abandon]);

  // While the PG's answer is awaited (CONFIRMING), ask again each second until the checkout settles.
  const client = useApolloClient();
  useEffect(() => {
    if (checkout === null || SETTLED.has(checkout.status)) return;
    const timer = window.setInterval(() => {
      client.query({ query: CheckoutDocument, variables: { id: checkout.id }, fetchPolicy: "network-only" }).then(
        ({ data }) => {
          const now = data.checkout;
          if (now && SETTLED.has(now.status)) setCheckout(now);
        },
        () => undefined, // asked again on the next tick
      );
    }, 1_000);
    return () => window.clearInterval(timer);
  }, [checkout, client]);
  const current = checkout;
  const settled = current !== null && SETTLED.has(current.status);

  useEffect(() => {
    if (current && settled) notifyOpener(current.status, checkoutOutcome(current).detail);
  }, [current, settled]);

  if (pgOrderId === "") {
    return (
      <>
        <PageTitle>Payment</PageTitle>
        <ErrorNote>This address is missing the order it is about.</ErrorNote>
        <Link to="/cart">Back to the cart</Link>
      </>
    );
  }
  const words = current ? checkoutOutcome(current) : null;
  return (
    <>
      <PageTitle>{words?.title ?? (outcome === "success" ? "Confirming your payment…" : "Cancelling…")}</PageTitle>
      {error !== null && <ErrorNote>{errorMessage(error)}</ErrorNote>}
      {words && current?.status === "PAID" && <StatusNote>{words.detail}</StatusNote>}
      {words && current?.status !== "PAID" && <p role="status">{words.detail}</p>}
      {settled && (
        <p>
          {window.opener ? (
            <button type="button" onClick={() => window.close()}>
              Close this window
            </button>
          ) : (
            <Link to="/">Continue shopping</Link>
          )}
        </p>
      )}
    </>
  );
}
