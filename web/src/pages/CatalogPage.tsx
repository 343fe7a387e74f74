import { useState } from "react";
import { useQuery } from "@apollo/client/react";
import { ProductsDocument } from "../../../sdk/index.js";
import { ErrorNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { ProductSummary } from "../product-summary.js";
import { PageTitle } from "../router.js";

const PAGE_SIZE = 8;

/** Every product with its options, price and stock, a page at a time (the cache appends the next page). */
export function CatalogPage() {
  // Stock changes as others buy: asked again every half minute while the page is open.
  const products = useQuery(ProductsDocument, { variables: { first: PAGE_SIZE }, pollInterval: 30_000 });
  const [moreError, setMoreError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const connection = products.data?.products;

  const loadMore = async () => {
    if (!connection?.pageInfo.endCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      await products.fetchMore({ variables: { first: PAGE_SIZE, after: connection.pageInfo.endCursor } });
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <PageTitle>Catalog</PageTitle>
      {products.error && <ErrorNote>{errorMessage(products.error)}</ErrorNote>}
      {!connection && products.loading && <p>Loading products…</p>}
      {connection && (
        <>
          <p>
            {connection.nodes.length} of {connection.totalCount} products
          </p>
          <ul className="product-grid">
            {connection.nodes.map((product) => (
              <li key={product.id}>
                <ProductSummary product={product} />
              </li>
            ))}
          </ul>
          {moreError !== null && <ErrorNote>{errorMessage(moreError)}</ErrorNote>}
          {connection.pageInfo.hasNextPage && (
            <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
              {loadingMore ? "Loading…" : "Show more products"}
            </button>
          )}
        </>
      )}
    </>
  );
}
