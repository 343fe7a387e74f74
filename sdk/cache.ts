import { InMemoryCache, type FieldPolicy } from "@apollo/client";

/** A page of a cursor connection as the cache stores it (nodes and edges hold references). */
type StoredConnection = { readonly edges?: readonly unknown[]; readonly nodes?: readonly unknown[] } & Readonly<
  Record<string, unknown>
>;

/**
 * One cache entry per connection field whatever its arguments, grown by `fetchMore`: a page asked for
 * with `after` is appended to what is there, a page without `after` is a fresh first page and replaces it.
 */
export function cursorPaginatedField(): FieldPolicy<StoredConnection> {
  return {
    keyArgs: false,
    merge(existing, incoming, { args }) {
      const after: unknown = args?.after;
      if (!existing || typeof after !== "string") return incoming;
      const merged: Record<string, unknown> = { ...existing, ...incoming };
      for (const list of ["edges", "nodes"] as const) {
        const before = existing[list];
        const page = incoming[list];
        if (before && page) merged[list] = [...before, ...page];
        // A next page whose predecessors lack this list would pose as the whole list: leave it out,
        // so a query that needs it goes back to the network. (Absent, not undefined: Apollo reads an
        // absent field as missing.)
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the key is one of the two names above
        else delete merged[list];
      }
      return merged;
    },
  };
}

/**
 * The SDK's cache: entities keyed by id, the catalog, order list and point history paginated by cursor,
 * and the caller's Cart and Point as singletons, so a mutation returning them updates every query that
 * shows them. Both belong to the signed-in member: clear the store when the member changes.
 */
export function createShopCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          products: cursorPaginatedField(),
          orders: cursorPaginatedField(),
        },
      },
      Product: { keyFields: ["id"] },
      ProductOption: { keyFields: ["id"] },
      Order: {
        keyFields: ["id"],
        // Payments have no id: the server's list replaces the cached one (no merge warning).
        fields: { payments: { merge: false } },
      },
      Checkout: { keyFields: ["id"] },
      OrderItem: { keyFields: ["id"] },
      CartItem: { keyFields: ["id"] },
      PointTransaction: { keyFields: ["id"] },
      Member: { keyFields: ["id"] },
      Cart: {
        keyFields: [],
        // The server's list is the whole cart: a shorter list replaces the longer one (no merge warning).
        fields: { items: { merge: false } },
      },
      Point: {
        keyFields: [],
        fields: { history: cursorPaginatedField() },
      },
    },
  });
}
