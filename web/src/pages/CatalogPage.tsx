import { useState } from "react";
import { useQuery } from "@apollo/client/react";
import { ProductsDocument } from "../../../sdk/index.js";
import { ErrorNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { useLiveRefresh } from "../live.js";
import { ProductSummary } from "../product-summary.js";
import { PageTitle } from "../router.js";

const PAGE_SIZE = 8;
/** The API's largest page (`first` ≤ 100). */
const MOST_PER_REQUEST = 100;

/** Every product with its options, price and stock, a page at a time (the cache appends the next page). */
export function CatalogPage() {
  const products = useQuery(ProductsDocument, { variables: { first: PAGE_SIZE } });
  const [moreError, setMoreError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const connection = products.data?.products;
  const shown = connection?.nodes.length ?? 0;

  // Stock changes as others buy. The refresh asks again for every product the buyer has paged through
  // in one request, a fresh first page as long as what is shown, so the list neither shrinks back to
  // one page nor loses its place for "Show more" (the cache replaces a page asked without `after`).
  // Past the API's largest page the list is left as it is (each product's own page stays live), and
  // no refresh starts while the next page loads, whose place it would take.
  useLiveRefresh(async () => {
    if (shown > MOST_PER_REQUEST || loadingMore) return;
    await products.refetch({ first: Math.max(PAGE_SIZE, shown) });
  });

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
