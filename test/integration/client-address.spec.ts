import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode, type GraphQLResponse } from "../helpers/graphql.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * The client's address as the service decides it, seen through the failed-login limit per address
 * (one failure locks an address): a login that fails while a prior failure came "from the same
 * address" is RATE_LIMITED. Both ways a GraphQL POST comes in are tried: the fast path (a body of known
 * length) and Express (a chunked body).
 */
const LIMITS = { RATE_LIMIT_LOGIN_FAILURES_PER_IP: "1", RATE_LIMIT_LOGIN_FAILURES: "1000" };
const LOGIN = `mutation ($l: String!) { login(loginId: $l, password: "wrong-password") { token } }`;
type Path = "fast path" | "Express";

let probes = 0;
async function failLogin(app: TestApp, path: Path, forwardedFor?: string): Promise<string | undefined> {
  probes += 1;
  const headers: Record<string, string> = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
  const variables = { l: `nobody-${probes}` };
  if (path === "fast path") return errorCode(await app.gql(LOGIN, variables, { headers }));
  return errorCode(await postChunked(app.url, JSON.stringify({ query: LOGIN, variables }), headers));
}

/** A POST with a chunked body, which the fast path leaves to Express. */
function postChunked(url: string, body: string, headers: Record<string, string>): Promise<GraphQLResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked", ...headers },
    });
    request.on("response", (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => {
        const parsed = JSON.parse(text) as Pick<GraphQLResponse, "data" | "errors">;
        resolve({ status: response.statusCode ?? 0, headers: new Headers(), data: parsed.data, errors: parsed.errors });
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("the client's address", () => {
  describe("with TRUST_PROXY unset", () => {
    let app: TestApp;
    beforeAll(async () => (app = await startTestApp("client_address_none", LIMITS)));
    afterAll(() => app.close());

    it("ignores X-Forwarded-For from a peer that is not a trusted proxy, on either path", async () => {
      expect(await failLogin(app, "fast path", "198.51.100.1")).toBe("UNAUTHENTICATED");
      // Another spoofed address, or none at all: still the peer's (127.0.0.1) one failure too many.
      expect(await failLogin(app, "Express", "198.51.100.2")).toBe("RATE_LIMITED");
      expect(await failLogin(app, "fast path", "198.51.100.3, 198.51.100.4")).toBe("RATE_LIMITED");
      expect(await failLogin(app, "Express")).toBe("RATE_LIMITED");
    });
  });

  describe("with TRUST_PROXY=1", () => {
    let app: TestApp;
    beforeAll(async () => (app = await startTestApp("client_address_hops", { ...LIMITS, TRUST_PROXY: "1" })));
    afterAll(() => app.close());

    it("takes the last hop, the one the proxy itself added, on either path", async () => {
      expect(await failLogin(app, "fast path", "203.0.113.9, 198.51.100.1")).toBe("UNAUTHENTICATED");
      // What the client wrote left of it changes nothing.
      expect(await failLogin(app, "Express", "198.51.100.1")).toBe("RATE_LIMITED");
      expect(await failLogin(app, "fast path", "203.0.113.10, 198.51.100.1")).toBe("RATE_LIMITED");
      // Another last hop is another client.
      expect(await failLogin(app, "Express", "198.51.100.1, 198.51.100.2")).toBe("UNAUTHENTICATED");
      expect(await failLogin(app, "fast path", "198.51.100.2")).toBe("RATE_LIMITED");
    });
  });

  describe("with TRUST_PROXY set to a list of subnets", () => {
    let app: TestApp;
    beforeAll(
      async () =>
        (app = await startTestApp("client_address_subnets", { ...LIMITS, TRUST_PROXY: "loopback, 10.0.0.0/8" })),
    );
    afterAll(() => app.close());

    it("trusts only the proxies in the list, on either path", async () => {
      expect(await failLogin(app, "fast path", "198.51.100.7, 10.1.2.3")).toBe("UNAUTHENTICATED");
      // Through two trusted proxies, with a spoofed entry left of the client: the same client.
      expect(await failLogin(app, "Express", "203.0.113.50, 198.51.100.7, 10.9.9.9, 10.1.2.3")).toBe("RATE_LIMITED");
      // 192.0.2.1 is not in the list: it is the client, whatever it says about anyone before it.
      expect(await failLogin(app, "Express", "198.51.100.7, 192.0.2.1")).toBe("UNAUTHENTICATED");
      expect(await failLogin(app, "fast path", "203.0.113.51, 192.0.2.1")).toBe("RATE_LIMITED");
      // No header: the peer itself (127.0.0.1) is the client.
      expect(await failLogin(app, "fast path")).toBe("UNAUTHENTICATED");
      expect(await failLogin(app, "Express")).toBe("RATE_LIMITED");
    });
  });
});
