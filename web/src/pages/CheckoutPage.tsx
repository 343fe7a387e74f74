import { useEffect, useState } from "react";
import { useApolloClient, useMutation, useQuery } from "@apollo/client/react";
import {
  CartDocument,
  PgClientConfigDocument,
  PlaceOrderDocument,
  PointDocument,
  ProductsDocument,
  StartCheckoutDocument,
  shopErrorCode,
  type OrderFieldsFragment,
} from "../../../sdk/index.js";
import { ErrorNote, StatusNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formatWon } from "../format.js";
import { newIdempotencyKey } from "../keys.js";
import { isCheckoutMessage, loadPgSdk } from "../pg.js";
import { useLiveRefresh } from "../live.js";
import { Link, PageTitle } from "../router.js";

/**
 * Codes that say for sure the order was not placed: the next try is a new attempt with a new key.
 * After anything else (a lost answer, an outage) the outcome is unknown, so a retry keeps the key
 * and the server answers with the first order if there was one.
 */
const DEFINITE_REFUSALS = new Set(["INSUFFICIENT_STOCK", "INSUFFICIENT_BALANCE", "BAD_USER_INPUT", "NOT_FOUND"]);

/**
 * The cart paid in full with points (placeOrder from the cart), or by card with part in points
 * (startCheckout, then the PG's window as a popup; the success and fail pages in it report back).
 * Each attempt has its own idempotency key.
 */
export function CheckoutPage() {
  const cart = useQuery(CartDocument);
  // Each line's stock as others buy, so a line that sells out says so before the buyer pays.
  useLiveRefresh(() => cart.refetch());
  const point = useQuery(PointDocument);
  // One key per checkout attempt: a double click, or a retry after a lost answer, cannot pay twice.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const [placeOrder, placing] = useMutation(PlaceOrderDocument, {
    // The order empties the cart and spends points; the catalog's stock moved too.
    refetchQueries: [CartDocument, PointDocument, ProductsDocument],
    awaitRefetchQueries: true,
  });
  const [error, setError] = useState<unknown>(null);
  const [order, setOrder] = useState<OrderFieldsFragment | null>(null);

  const client = useApolloClient();
  const pgConfig = useQuery(PgClientConfigDocument);
  const [cardKey, setCardKey] = useState(newIdempotencyKey);
  const [startCheckout, starting] = useMutation(StartCheckoutDocument, { refetchQueries: [PointDocument] });
  const [pointPart, setPointPart] = useState(0);
  const [cardError, setCardError] = useState<unknown>(null);
  const [cardState, setCardState] = useState<"idle" | "opening" | "in-window">("idle");
  const [cardOutcome, setCardOutcome] = useState<{ status: string; detail: string } | null>(null);
  const sdkUrl = pgConfig.data?.pgClientConfig.sdkUrl;

  // The SDK loads with the page, so the PG's window opens right on the click (a popup blocker
  // lets a window through only so soon after one).
  useEffect(() => {
    if (sdkUrl) loadPgSdk(sdkUrl).catch(() => undefined); // tried again on the click, which reports it
  }, [sdkUrl]);

  // The success or fail page in the PG's window says how it ended: the cart, points and stock moved.
  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== window.location.origin || !isCheckoutMessage(event.data)) return;
      setCardState("idle");
      setCardOutcome({ status: event.data.status, detail: event.data.detail });
      setCardKey(newIdempotencyKey());
      void client.refetchQueries({ include: [CartDocument, PointDocument, ProductsDocument] });
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, [client]);

  const payByCard = async () => {
    const config = pgConfig.data?.pgClientConfig;
    if (!config) return;
    setCardError(null);
    setCardOutcome(null);
    setCardState("opening");
    try {
      const { data } = await startCheckout({
        variables: { input: { fromCart: true, pointAmount: pointPart, idempotencyKey: cardKey } },
      });
      const checkout = data.startCheckout;
      const sdk = await loadPgSdk(config.sdkUrl);
      await sdk(config.clientKey).requestPayment({
        amount: checkout.amount,
        orderId: checkout.pgOrderId,
        orderName: checkout.orderName,
        successUrl: config.successUrl,
        failUrl: config.failUrl,
      });
      setCardState("in-window");
    } catch (caught) {
      setCardState("idle");
      setCardError(caught);
      const code = shopErrorCode(caught);
      if (code !== undefined && DEFINITE_REFUSALS.has(code)) setCardKey(newIdempotencyKey());
    }
  };

  const payWithPoints = async () => {
    setError(null);
    try {
      const { data } = await placeOrder({ variables: { input: { fromCart: true, idempotencyKey } } });
      setOrder(data.placeOrder);
    } catch (caught) {
      setError(caught);
      const code = shopErrorCode(caught);
      if (code !== undefined && DEFINITE_REFUSALS.has(code)) setIdempotencyKey(newIdempotencyKey());
      // Sold out meanwhile: the lines show the stock as it is now.
      if (code === "INSUFFICIENT_STOCK") void cart.refetch();
    }
  };

  if (cardOutcome?.status === "PAID") {
    return (
      <>
        <PageTitle>Thank you</PageTitle>
        <StatusNote>Your card payment is complete: the order is paid.</StatusNote>
        <p>
          <Link to="/">Continue shopping</Link>
        </p>
      </>
    );
  }

  if (order) {
    return (
      <>
        <PageTitle>Thank you</PageTitle>
        <StatusNote>
          Order {order.id} is {order.status === "PAID" ? "paid" : order.status.toLowerCase()}:{" "}
          {formatWon(order.totalAmount)} in points.
        </StatusNote>
        <p>
          <Link to="/">Continue shopping</Link>
        </p>
      </>
    );
  }

  const data = cart.data?.cart;
  const balance = point.data?.point.balance;
  const enough = data !== undefined && balance !== undefined && balance >= data.totalAmount;
  return (
    <>
      <PageTitle>Checkout</PageTitle>
      {(cart.error ?? point.error) && <ErrorNote>{errorMessage(cart.error ?? point.error)}</ErrorNote>}
      {!data && cart.loading && <p>Loading your cart…</p>}
      {data?.items.length === 0 && (
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </p>
      )}
      {data && data.items.length > 0 && (
        <>
          <ul className="lines">
            {data.items.map((item) => (
              <li key={item.id} className="line">
                <span className="grow">
                  {item.product.name}
                  {item.option.name === item.product.name ? "" : ` (${item.option.name})`} × {item.quantity}
                  {item.option.stock < item.quantity && (
                    <span className="sold-out">
                      {item.option.stock <= 0 ? " · sold out" : ` · only ${item.option.stock} left`}
                    </span>
                  )}
                </span>
                <span className="amount">{formatWon(item.lineTotal)}</span>
              </li>
            ))}
          </ul>
          <p className="totals">Total {formatWon(data.totalAmount)}</p>
          <section className="panel" aria-labelledby="pay-points">
            <h2 id="pay-points">Pay with points</h2>
            <p>Your balance: {balance === undefined ? "…" : formatWon(balance)}</p>
            {balance !== undefined && !enough && (
              <p>
                Your balance does not cover the total. <Link to="/points">Charge points</Link>
              </p>
            )}
            {error !== null && <ErrorNote>{errorMessage(error)}</ErrorNote>}
            <button type="button" disabled={placing.loading || !enough} onClick={() => void payWithPoints()}>
              {placing.loading ? "Paying…" : `Pay ${formatWon(data.totalAmount)} with points`}
            </button>
          </section>
          {pgConfig.data && (
            <section className="panel" aria-labelledby="pay-card">
              <h2 id="pay-card">Pay by card</h2>
              <div className="field">
                <label htmlFor="pointPart">Points to use</label>
                <input
                  id="pointPart"
                  type="number"
                  min={0}
                  max={Math.max(0, Math.min(balance ?? 0, data.totalAmount - 1))}
                  step={1}
                  value={pointPart}
                  aria-describedby="pointPart-hint"
                  onChange={(event) => setPointPart(Math.max(0, Math.floor(Number(event.target.value) || 0)))}
                />
                <p id="pointPart-hint" className="hint">
                  Up to {formatWon(Math.max(0, Math.min(balance ?? 0, data.totalAmount - 1)))}; the rest,{" "}
                  {formatWon(Math.max(0, data.totalAmount - pointPart))}, by card.
                </p>
              </div>
              {cardError !== null && <ErrorNote>{errorMessage(cardError)}</ErrorNote>}
              {cardOutcome !== null && (
                <p role="status">
                  {cardOutcome.detail}
                  {cardOutcome.status === "FAILED" || cardOutcome.status === "EXPIRED" ? " You can try again." : ""}
                </p>
              )}
              {cardState === "in-window" && (
                <StatusNote>Complete the payment in the PG&apos;s window; this page follows it.</StatusNote>
              )}
              <button
                type="button"
                disabled={cardState !== "idle" || starting.loading || pointPart >= data.totalAmount}
                onClick={() => void payByCard()}
              >
                {cardState === "opening"
                  ? "Opening the payment window…"
                  : `Pay ${formatWon(Math.max(0, data.totalAmount - pointPart))} by card`}
              </button>
            </section>
          )}
        </>
      )}
    </>
  );
}
