/**
 * The shop API's client SDK: an Apollo Client with the right cache policies, plus a typed document
 * (and its result and variable types) for every query and mutation of `schema.graphql`.
 *
 *   const shop = createShopClient({ url: "http://localhost:4000/graphql" });
 *   const { data } = await shop.query({ query: ProductsDocument, variables: { first: 10 } });
 */
export { createShopClient, type ShopClient, type ShopClientOptions } from "./client.js";
export { createShopCache, cursorPaginatedField } from "./cache.js";
export { shopErrorCode } from "./errors.js";
export { CombinedGraphQLErrors, ServerError } from "@apollo/client/errors";
// Every document (`ProductsDocument`, `PlaceOrderDocument`, `OrderFieldsFragmentDoc`, ...) with its result
// and variables types, and the schema's enums and input types. (The preset's `graphql()` in gql.ts is
// left out: it is keyed by whole .graphql file contents, of no use to callers.)
export * from "./generated/graphql.js";
