import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import type { TrustProxy } from "../config/config.js";

export type ProxyTrust = (address: string, hop: number) => boolean;
export type ClientAddressOf = (req: IncomingMessage) => string;

/**
 * TRUST_PROXY as proxy-addr's trust function, the form Express's `trust proxy` setting compiles to:
 * hop 0 is the socket's peer, hop 1 the right-most X-Forwarded-For entry, and so on leftwards.
 */
export function proxyTrust(setting: TrustProxy): ProxyTrust {
  if (typeof setting === "number") return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting);
}

/**
 * The one place the caller's address is decided, for every way a request comes in (Express routes,
 * the GraphQL fast path, the queue dashboard's login): the socket's peer, then X-Forwarded-For read
 * from the right for as long as each hop is a trusted proxy. Entries left of the first untrusted hop
 * were written by the client (or by someone it paid) and are never used.
 */
export function clientAddressOf(setting: TrustProxy): ClientAddressOf {
  const trust = proxyTrust(setting);
  // No address at all: the socket closed before anyone asked.
  return (req) => proxyaddr(req, trust) || "unknown";
}
