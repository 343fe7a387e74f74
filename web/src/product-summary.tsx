import type { ProductFieldsFragment } from "../../sdk/index.js";
import { formatWon } from "./format.js";
import { Link } from "./router.js";

/** Stock in words: what a buyer needs to know, not the warehouse's count past a few. */
export function stockText(stock: number): string {
  if (stock <= 0) return "Sold out";
  if (stock <= 5) return `Only ${stock} left`;
  return `${stock} in stock`;
}

/** A product in a list: name (linking to its page), price from the cheapest option, options' stock. */
export function ProductSummary({ product }: { product: ProductFieldsFragment }) {
  const prices = product.options.map((option) => option.price);
  const from = prices.length > 0 ? Math.min(...prices) : product.price;
  const varies = prices.some((price) => price !== from);
  const hasChoice = product.options.length > 1;
  return (
    <article className="product-card">
      <h2>
        <Link to={`/products/${encodeURIComponent(product.id)}`}>{product.name}</Link>
      </h2>
      <p className="price">
        {varies ? "from " : ""}
        {formatWon(from)}
      </p>
      {hasChoice ? (
        <ul className="options" aria-label={`${product.name} options`}>
          {product.options.map((option) => (
            <li key={option.id}>
              {option.name}: <span className={option.stock > 0 ? "" : "sold-out"}>{stockText(option.stock)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className={product.stock > 0 ? "stock" : "stock sold-out"}>{stockText(product.stock)}</p>
      )}
    </article>
  );
}
