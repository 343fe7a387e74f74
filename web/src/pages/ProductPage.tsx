import { useState, type SubmitEvent } from "react";
import { useMutation, useQuery } from "@apollo/client/react";
import { AddCartItemDocument, ProductDocument } from "../../../sdk/index.js";
import { ErrorNote, StatusNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formatWon } from "../format.js";
import { useLiveRefresh } from "../live.js";
import { stockText } from "../product-summary.js";
import { Link, PageTitle } from "../router.js";
import { useSession } from "../session.js";

/** One product: its options with price and stock, and a form to put one in the cart. */
export function ProductPage({ id }: { id: string }) {
  const { token } = useSession();
  const product = useQuery(ProductDocument, { variables: { id } });
  // The stock as others buy, while the buyer looks.
  useLiveRefresh(() => product.refetch());
  const [add, { loading }] = useMutation(AddCartItemDocument);
  const [optionId, setOptionId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState(1);
  const [outcome, setOutcome] = useState<{ error: unknown } | { added: string } | null>(null);

  if (product.error) return <ErrorNote>{errorMessage(product.error)}</ErrorNote>;
  const found = product.data?.product;
  if (!found) return product.loading ? <p>Loading…</p> : <ErrorNote>We could not find that product.</ErrorNote>;

  const options = found.options;
  const chosen = options.find((option) => option.id === optionId) ?? (options.length === 1 ? options[0] : undefined);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!chosen) return;
    setOutcome(null);
    try {
      await add({ variables: { input: { productId: found.id, optionId: chosen.id, quantity } } });
      setOutcome({
        added: `${quantity} × ${found.name}${options.length > 1 ? ` (${chosen.name})` : ""} added to your cart.`,
      });
    } catch (error) {
      setOutcome({ error });
    }
  };

  return (
    <>
      <PageTitle>{found.name}</PageTitle>
      <form className="panel" onSubmit={(event) => void submit(event)}>
        {options.length > 1 ? (
          <fieldset className="field">
            <legend>Option</legend>
            {options.map((option) => (
              <div key={option.id}>
                <input
                  type="radio"
                  id={`option-${option.id}`}
                  name="option"
                  value={option.id}
                  checked={chosen?.id === option.id}
                  disabled={option.stock <= 0}
                  onChange={() => setOptionId(option.id)}
                />{" "}
                <label htmlFor={`option-${option.id}`} className="inline">
                  {option.name}, {formatWon(option.price)} · {stockText(option.stock)}
                </label>
              </div>
            ))}
          </fieldset>
        ) : (
          <p>
            <span className="price">{formatWon(chosen?.price ?? found.price)}</span> · {stockText(found.stock)}
          </p>
        )}
        <div className="field">
          <label htmlFor="quantity">Quantity</label>
          <input
            id="quantity"
            type="number"
            min={1}
            max={Math.max(1, Math.min(1000, chosen?.stock ?? 1))}
            value={quantity}
            onChange={(event) => setQuantity(Math.max(1, Math.floor(Number(event.target.value) || 1)))}
          />
        </div>
        {outcome && "error" in outcome && <ErrorNote>{errorMessage(outcome.error)}</ErrorNote>}
        {outcome && "added" in outcome && (
          <StatusNote>
            {outcome.added} <Link to="/cart">Go to the cart</Link>
          </StatusNote>
        )}
        {token === null ? (
          <p>
            <Link to={`/signin?next=${encodeURIComponent(`/products/${found.id}`)}`}>Sign in to buy</Link>
          </p>
        ) : (
          <button type="submit" disabled={loading || !chosen || chosen.stock <= 0}>
            {loading ? "Adding…" : !chosen ? "Choose an option" : chosen.stock <= 0 ? "Sold out" : "Add to cart"}
          </button>
        )}
      </form>
      <p>
        <Link to="/">Back to the catalog</Link>
      </p>
    </>
  );
}
