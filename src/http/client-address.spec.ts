import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddressOf } from "./client-address.js";

/** A request as node:http hands it over: the socket's peer, and what the hops before it wrote. */
const request = (peer: string | undefined, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  }) as unknown as IncomingMessage;

describe(clientAddressOf.name, () => {
  it("takes the socket's peer and ignores X-Forwarded-For when no proxy is trusted", () => {
    const clientAddress = clientAddressOf(0);
    expect(clientAddress(request("203.0.113.7", "198.51.100.1"))).toBe("203.0.113.7");
    expect(clientAddress(request("203.0.113.7"))).toBe("203.0.113.7");
  });

  it("with a hop count, trusts that many hops from the socket and takes the next one", () => {
    const chain = request("10.0.0.1", "198.51.100.66, 203.0.113.7, 10.0.0.2");
    expect(clientAddressOf(1)(chain)).toBe("10.0.0.2");
    expect(clientAddressOf(2)(chain)).toBe("203.0.113.7");
    // A header the client wrote itself: with one proxy in front, its entries are left of the last hop.
    expect(clientAddressOf(1)(request("10.0.0.1", "198.51.100.66, 203.0.113.7"))).toBe("203.0.113.7");
    // Fewer entries than hops: the left-most there is.
    expect(clientAddressOf(3)(request("10.0.0.1", "203.0.113.7"))).toBe("203.0.113.7");
  });

  it("with a list, trusts only the proxies in it and stops at the first hop that is not one", () => {
    const clientAddress = clientAddressOf(["loopback", "10.0.0.0/8"]);
    expect(clientAddress(request("127.0.0.1", "198.51.100.66, 203.0.113.7, 10.1.2.3"))).toBe("203.0.113.7");
    expect(clientAddress(request("::ffff:127.0.0.1", "203.0.113.7"))).toBe("203.0.113.7");
    // 192.0.2.1 is not a trusted proxy, so it is the client, whatever it claims about others.
    expect(clientAddress(request("127.0.0.1", "203.0.113.7, 192.0.2.1"))).toBe("192.0.2.1");
    // An untrusted peer's header is not read at all.
    expect(clientAddress(request("192.0.2.1", "10.1.2.3"))).toBe("192.0.2.1");
  });

  it("says unknown when the socket has no address left", () => {
    expect(clientAddressOf(0)(request(undefined, "203.0.113.7"))).toBe("unknown");
  });
});
