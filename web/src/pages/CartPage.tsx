import { useState } from "react";
import { useMutation, useQuery } from "@apollo/client/react";
import { CartDocument, RemoveCartItemDocument, UpdateCartItemDocument } from "../../../sdk/index.js";
import { ErrorNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formatWon } from "../format.js";
import { stockText } from "../product-summary.js";
import { useLiveRefresh } from "../live.js";
import { Link, PageTitle } from "../router.js";

/** The cart: each line's quantity changed or removed, the totals the server computed. */
export function CartPage() {
  const cart = useQuery(CartDocument);
  // Each line's stock as others buy, so a line that sells out says so before the buyer pays.
  useLiveRefresh(() => cart.refetch());
  const [update, updating] = useMutation(UpdateCartItemDocument);
  const [remove, removing] = useMutation(RemoveCartItemDocument);
  const [error, setError] = useState<unknown>(null);
  const busy = updating.loading || removing.loading;

  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    }
  };

  const data = cart.data?.cart;
  return (
    <>
      <PageTitle>Cart</PageTitle>
      {cart.error && <ErrorNote>{errorMessage(cart.error)}</ErrorNote>}
      {!data && cart.loading && <p>Loading your cart…</p>}
      {error !== null && <ErrorNote>{errorMessage(error)}</ErrorNote>}
      {data?.items.length === 0 && (
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </p>
      )}
      {data && data.items.length > 0 && (
        <>
          <ul className="lines">
            {data.items.map((item) => {
              const name = `${item.product.name}${item.option.name === item.product.name ? "" : ` (${item.option.name})`}`;
              return (
                <li key={item.id} className="line">
                  <div className="grow">
                    <Link to={`/products/${encodeURIComponent(item.product.id)}`}>{name}</Link>
                    <div className="hint">
                      {formatWon(item.option.price)} each · {stockText(item.option.stock)}
                    </div>
                  </div>
                  <div>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`One fewer ${name}`}
                      disabled={busy || item.quantity <= 1}
                      onClick={() =>
                        void run(() => update({ variables: { cartItemId: item.id, quantity: item.quantity - 1 } }))
                      }
                    >
                      −
                    </button>{" "}
                    <span aria-label={`Quantity of ${name}`}>{item.quantity}</span>{" "}
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`One more ${name}`}
                      disabled={busy}
                      onClick={() =>
                        void run(() => update({ variables: { cartItemId: item.id, quantity: item.quantity + 1 } }))
                      }
                    >
                      +
                    </button>
                  </div>
                  <div className="amount">{formatWon(item.lineTotal)}</div>
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Remove ${name}`}
                    disabled={busy}
                    onClick={() => void run(() => remove({ variables: { cartItemId: item.id } }))}
                  >
                    Remove
                  </button>
                </li>
              );
            })}
          </ul>
          <p className="totals">
            {data.totalQuantity} {data.totalQuantity === 1 ? "item" : "items"}, total {formatWon(data.totalAmount)}
          </p>
          <p>
            <Link to="/checkout" className="button-link">
              Check out
            </Link>
          </p>
        </>
      )}
    </>
  );
}
