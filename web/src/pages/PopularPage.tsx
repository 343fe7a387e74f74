import { useQuery } from "@apollo/client/react";
import { PopularProductsDocument } from "../../../sdk/index.js";
import { ErrorNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { ProductSummary } from "../product-summary.js";
import { PageTitle } from "../router.js";

/** The best sellers of the last days, by units sold (the service's ranking). */
export function PopularPage() {
  const popular = useQuery(PopularProductsDocument, { variables: { days: 3, limit: 5 } });
  const ranking = popular.data?.popularProducts;
  return (
    <>
      <PageTitle>Popular products</PageTitle>
      <p className="hint">The most sold in the last 3 days.</p>
      {popular.error && <ErrorNote>{errorMessage(popular.error)}</ErrorNote>}
      {!ranking && popular.loading && <p>Loading…</p>}
      {ranking?.length === 0 && <p>Nothing sold in the last 3 days yet.</p>}
      {ranking && ranking.length > 0 && (
        <ol className="product-grid">
          {ranking.map((entry) => (
            <li key={entry.product.id}>
              <p className="hint">
                No. {entry.rank} · {entry.soldQuantity} sold
              </p>
              <ProductSummary product={entry.product} />
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
