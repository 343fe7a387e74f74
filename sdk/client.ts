import { ApolloClient, ApolloLink, HttpLink } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import "./apollo-types.js";
import { createShopCache } from "./cache.js";

export interface ShopClientOptions {
  /** The GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** A token from `signUp` / `login`, sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  /** Defaults to the global `fetch` (Node 20+, browsers). */
  fetch?: typeof fetch;
  /** Sent with every request, e.g. `x-request-id`. */
  headers?: Record<string, string>;
}

/** An Apollo Client for the shop API, with the caller's token held by the client. */
export type ShopClient = ApolloClient & {
  /**
   * Sends `token` (or none, with null) from the next request on, after clearing the cache: the cart,
   * the points and the orders in it belonged to the previous caller.
   */
  setToken(token: string | null): Promise<void>;
  /** The token currently sent, if any. */
  getToken(): string | null;
};

/** Creates an Apollo Client (v4, no React needed) for the shop API at `url`. */
export function createShopClient(options: ShopClientOptions): ShopClient {
  let token = options.token ?? null;

  // Read per request, so setToken takes effect without rebuilding the link chain.
  const auth = new SetContextLink((context) =>
    token
      ? { headers: { ...(context.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } }
      : {},
  );
  const http = new HttpLink({
    uri: options.url,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const client = new ApolloClient({ link: ApolloLink.from([auth, http]), cache: createShopCache() });

  return Object.assign(client, {
    async setToken(next: string | null): Promise<void> {
      token = next;
      await client.clearStore();
    },
    getToken: (): string | null => token,
  });
}
