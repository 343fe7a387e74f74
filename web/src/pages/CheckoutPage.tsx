import { useState } from "react";
import { useMutation, useQuery } from "@apollo/client/react";
import {
  CartDocument,
  PlaceOrderDocument,
  PointDocument,
  ProductsDocument,
  shopErrorCode,
  type OrderFieldsFragment,
} from "../../../sdk/index.js";
import { ErrorNote, StatusNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formatWon } from "../format.js";
import { newIdempotencyKey } from "../keys.js";
import { Link, PageTitle } from "../router.js";

/**
 * Codes that say for sure the order was not placed: the next try is a new attempt with a new key.
 * After anything else (a lost answer, an outage) the outcome is unknown, so a retry keeps the key
 * and the server answers with the first order if there was one.
 */
const DEFINITE_REFUSALS = new Set(["INSUFFICIENT_STOCK", "INSUFFICIENT_BALANCE", "BAD_USER_INPUT", "NOT_FOUND"]);

/** The cart paid in full with points (placeOrder from the cart, with an idempotency key per attempt). */
export function CheckoutPage() {
  const cart = useQuery(CartDocument);
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

  const payWithPoints = async () => {
    setError(null);
    try {
      const { data } = await placeOrder({ variables: { input: { fromCart: true, idempotencyKey } } });
      setOrder(data.placeOrder);
    } catch (caught) {
      setError(caught);
      const code = shopErrorCode(caught);
      if (code !== undefined && DEFINITE_REFUSALS.has(code)) setIdempotencyKey(newIdempotencyKey());
    }
  };

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
        </>
      )}
    </>
  );
}
