import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../src/graphql/limits.js";
import { errorCode, expectData } from "./helpers/graphql.js";
import { startTestApp, type TestApp } from "./helpers/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("graphql_limits");
});
afterAll(() => app.close());

/**
 * A document nested past the depth limit. Today's schema has no cycles (nothing leads from a product
 * back to products), so no valid query gets that deep; the limit guards against the day one does,
 * and is checked on a document whose depth alone is at fault among its errors.
 */
const nested = (depth: number): string => {
  let selection = "id";
  for (let i = 0; i < depth; i += 1) selection = `products(first: 1) { nodes { ${selection} } }`;
  return `{ ${selection} }`;
};

describe("GraphQL limits (refused before execution)", () => {
  it("accepts what a real screen asks for", async () => {
    expectData(await app.gql(`query ($first: Int) { products(first: $first) { totalCount nodes { id name price stock options { id name price stock } } pageInfo { hasNextPage endCursor } } }`, { first: 100 }));
  });

  it.each([
    ["too deep", () => nested(LIMITS.maxDepth), /levels deep/],
    ["too many aliases", () => `{ me { ${Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: id`).join(" ")} } }`, /too many aliases/],
    ["too many root fields", () => `{ ${Array.from({ length: LIMITS.maxRootFields + 1 }, (_, i) => `r${i}: products(first: 1) { totalCount }`).join(" ")} }`, /too many root fields/],
    ["too many tokens", () => `{ me { ${"id ".repeat(LIMITS.maxTokens)} } }`, /token/i],
    ["too expensive", () => `{ ${Array.from({ length: 9 }, (_, i) => `p${i}: products(first: 100) { nodes { options { id name price stock } } }`).join(" ")} }`, /too expensive/],
  ])("refuses a query %s with GRAPHQL_VALIDATION_FAILED or GRAPHQL_PARSE_FAILED", async (_label, query, message) => {
    const before = app.database.statements.count;
    const response = await app.gql(query());
    expect(["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"]).toContain(errorCode(response));
    expect(response.errors!.map((error) => error.message).join("\n")).toMatch(message);
    expect(app.database.statements.count).toBe(before); // nothing ran
  });

  it("lets GraphiQL's introspection through: it is deep by nature and off in production", async () => {
    const deep = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`;
    expect(expectData(await app.gql(deep))).toBeTruthy();
  });

  it("counts a page size given through a variable", async () => {
    const query = `query ($n: Int) { ${Array.from({ length: 9 }, (_, i) => `p${i}: products(first: $n) { nodes { options { id name price stock } } }`).join(" ")} }`;
    expectData(await app.gql(query, { n: 5 }));
    expect(errorCode(await app.gql(query, { n: 100 }))).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("refuses batched requests (an array of operations)", async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ me { id } }" }, { query: "{ me { id } }" }]),
    });
    expect(response.status).toBe(400);
  });
});

describe("production defaults", () => {
  it("turn introspection and the playground off unless asked for", async () => {
    const production = await startTestApp("graphql_production", { NODE_ENV: "production", JWT_SECRET: "x".repeat(40) });
    try {
      expect(errorCode(await production.gql(`{ __schema { types { name } } }`))).toBe("GRAPHQL_VALIDATION_FAILED");
      const page = await fetch(`${production.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    } finally {
      await production.close();
    }
  });
});
