// Type-only declarations for Apollo Client 4; they apply to the whole program that imports the SDK.
//
// - signatureStyle "modern": by default ("classic") Apollo Client types `data` as `TData | undefined` on
//   every call, assuming global defaultOptions could change the errorPolicy. The SDK sets none, so with
//   the default errorPolicy "none", `query` and `mutate` resolve with `data: TData` and throw on errors;
//   an explicit `errorPolicy: "all"` widens the result again.
// - cache: the SDK's client always holds an InMemoryCache, so `client.cache.extract()`, `identify()`,
//   ... are typed as such instead of as any ApolloCache.
import "@apollo/client";
import type { InMemoryCache } from "@apollo/client";

declare module "@apollo/client" {
  export interface TypeOverrides {
    signatureStyle: "modern";
    cache: InMemoryCache;
  }
}
