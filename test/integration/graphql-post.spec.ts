import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, createProduct } from "../helpers/factories.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp("graphql_post");
  const admin = await adminToken(app);
  await createProduct(app, admin, { name: "Kimbap", price: 3_500, stock: 4 });
  await createProduct(app, admin, {
    name: "T-shirt",
    price: 20_000,
    options: [
      { name: "S", additionalPrice: -1_000, stock: 3 },
      { name: "XL", additionalPrice: 2_000, stock: 0 },
    ],
  });
});
afterAll(() => app.close());

const PAGE = `query ($first: Int) { products(first: $first) { nodes { name price stock options { name price stock } } pageInfo { hasNextPage } } }`;

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

/** A header that leaves a request to Express (which reads an identity-encoded body as it is). */
const THROUGH_EXPRESS = { "content-encoding": "identity" };

describe("plain GraphQL POSTs answered without Express", () => {
  it.each([
    ["a products page", JSON.stringify({ query: PAGE, variables: { first: 5 } })],
    [
      "a page with edges and cursors",
      JSON.stringify({ query: `{ products(first: 1) { edges { cursor node { name stock } } } }` }),
    ],
    ["an unknown field", JSON.stringify({ query: `{ nope }` })],
    ["a page size out of range", JSON.stringify({ query: PAGE, variables: { first: 101 } })],
    ["a signed-in-only query without a token", JSON.stringify({ query: `{ me { id } }` })],
    ["a body with a byte order mark", `\uFEFF${JSON.stringify({ query: PAGE })}`],
    ["JSON that does not parse", `{"query": `],
    ["JSON that is not an object or an array", `"{ products { nodes { name } } }"`],
    ["a batch of operations", JSON.stringify([{ query: PAGE }, { query: PAGE }])],
  ])("answer %s as Express does", async (_label, body) => {
    const direct = await post(body);
    const viaExpress = await post(body, THROUGH_EXPRESS);
    // Only Express adds an ETag, so it tells which way each request went.
    expect(direct.headers.get("etag")).toBeNull();
    expect(viaExpress.headers.get("etag")).not.toBeNull();
    expect(direct.status).toBe(viaExpress.status);
    expect(direct.headers.get("content-type")).toBe(viaExpress.headers.get("content-type"));
    expect(direct.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await direct.text()).toBe(await viaExpress.text());
  });

  it("keeps the caller's request id", async () => {
    const response = await post(JSON.stringify({ query: PAGE }), { "x-request-id": "edge-7.page" });
    expect(response.headers.get("x-request-id")).toBe("edge-7.page");
  });

  it("leaves other content types, charsets and bodies over 1 MB to Express", async () => {
    const query = JSON.stringify({ query: PAGE });
    const latin1 = await post(query, { "content-type": "application/json; charset=latin1" });
    expect(latin1.status).toBe(415);
    expect(latin1.headers.get("etag")).not.toBeNull();
    const large = await post(JSON.stringify({ query: PAGE, variables: { pad: "x".repeat(1024 * 1024) } }));
    expect(large.status).toBe(413);
    expect(
      ((await large.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
    ).toBe("BAD_REQUEST");
  });
});
