import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../src/graphql/limits.js";
import { balanceOf, signUpMember } from "../helpers/factories.js";
import { errorCode, expectData, type GraphQLResponse } from "../helpers/graphql.js";
import { startTestApp, statementsDuring, type TestApp } from "../helpers/test-app.js";

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

/** `count` root fields `p0: products(first: 1) { totalCount }`, `p1: ...`, for fragments to spread. */
const pageFields = (count: number, alias = "p"): string =>
  Array.from({ length: count }, (_, i) => `${alias}${i}: products(first: 1) { totalCount }`).join(" ");
/** `count` charges of 1 point each, aliased `c0`, `c1`, ... */
const charges = (count: number, alias = "c"): string =>
  Array.from({ length: count }, (_, i) => `${alias}${i}: chargePoint(amount: 1) { balance }`).join(" ");
/** Nine pages of products with their options: the page size decides whether it fits the cost limit. */
const nineFullPages = (first: string): string =>
  Array.from(
    { length: 9 },
    (_, i) => `p${i}: products(first: ${first}) { nodes { options { id name price stock } } }`,
  ).join(" ");

const messages = (response: GraphQLResponse<unknown>): string =>
  (response.errors ?? []).map((error) => error.message).join("\n");

describe("GraphQL limits (refused before execution)", () => {
  it("accepts what a real screen asks for", async () => {
    expectData(
      await app.gql(
        `query ($first: Int) { products(first: $first) { totalCount nodes { id name price stock options { id name price stock } } pageInfo { hasNextPage endCursor } } }`,
        { first: 100 },
      ),
    );
  });

  it.each([
    ["too deep", () => nested(LIMITS.maxDepth), /depth limit of 10/],
    [
      "too many aliases",
      () => `{ me { ${Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: id`).join(" ")} } }`,
      /aliases limit of 30/i,
    ],
    [
      "too many directives",
      () => `{ me { ${"id @include(if: true) ".repeat(LIMITS.maxDirectives + 1)} } }`,
      /directives limit of 50/i,
    ],
    ["too many root fields", () => `{ ${pageFields(LIMITS.maxRootFields + 1)} }`, /too many root fields/],
    [
      "too many root fields, spread from a fragment",
      () => `{ ...Pages } fragment Pages on Query { ${pageFields(LIMITS.maxRootFields + 1)} }`,
      /too many root fields/,
    ],
    [
      "too many root fields, in inline fragments",
      () => `{ ... on Query { ${pageFields(6)} } ... { ${pageFields(5, "q")} } }`,
      /too many root fields/,
    ],
    ["too expensive", () => `{ ${nineFullPages("100")} }`, /too expensive/],
  ])("refuses a query %s with GRAPHQL_VALIDATION_FAILED (HTTP 400)", async (_label, query, message) => {
    const { result: response, statements } = await statementsDuring(app, () => app.gql(query()));
    expect(errorCode(response)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(response.status).toBe(400);
    expect(messages(response)).toMatch(message);
    expect(messages(response)).not.toMatch(/Syntax Error/); // they are limits, not syntax
    expect(statements).toBe(0); // nothing ran
  });

  it("refuses a document past 3,000 tokens while parsing it (GRAPHQL_PARSE_FAILED, HTTP 400)", async () => {
    const response = await app.gql(`{ me { ${"id ".repeat(LIMITS.maxTokens)} } }`);
    expect(errorCode(response)).toBe("GRAPHQL_PARSE_FAILED");
    expect(response.status).toBe(400);
    expect(messages(response)).toMatch(/3000 tokens/);
  });

  it("lets GraphiQL's introspection through: it is deep by nature and off in production", async () => {
    expect(expectData(await app.gql(getIntrospectionQuery()))).toHaveProperty("__schema");
    const deep = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`;
    expect(expectData(await app.gql(deep))).toBeTruthy();
    const deepType = `{ __type(name: "Query") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`;
    expect(expectData(await app.gql(deepType))).toBeTruthy();
  });

  it("counts a page size given through a variable", async () => {
    const query = `query ($n: Int) { ${nineFullPages("$n")} }`;
    expectData(await app.gql(query, { n: 5 }));
    expect(errorCode(await app.gql(query, { n: 100 }))).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("counts a page size left to the variable's default as that default", async () => {
    const query = `query ($n: Int = 100) { ${nineFullPages("$n")} }`;
    const refused = await app.gql(query);
    expect(errorCode(refused)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(messages(refused)).toMatch(/too expensive/);
    expectData(await app.gql(query, { n: 5 })); // a value given wins over the default
  });

  it("counts an out-of-range page size as the largest page, so the resolver answers BAD_USER_INPUT", async () => {
    expect(errorCode(await app.gql(`{ products(first: 1000000) { nodes { id name price stock } } }`))).toBe(
      "BAD_USER_INPUT",
    );
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

describe("mutations per document", () => {
  it(`runs up to ${LIMITS.maxMutationFields} mutation root fields, spread from fragments or not`, async () => {
    const member = await signUpMember(app);
    expectData(
      await app.gql(
        `mutation { ${charges(2)} ...More } fragment More on Mutation { ${charges(LIMITS.maxMutationFields - 2, "m")} }`,
        {},
        { token: member.token },
      ),
    );
    expect(await balanceOf(app, member)).toBe(LIMITS.maxMutationFields);
  });

  it.each([
    ["written out", `mutation { ${charges(LIMITS.maxMutationFields + 1)} }`],
    [
      "spread from a fragment (12 charges for one request)",
      `mutation { ...F } fragment F on Mutation { ${charges(12)} }`,
    ],
    [
      "in an inline fragment",
      `mutation { c: chargePoint(amount: 1) { balance } ... on Mutation { ${charges(LIMITS.maxMutationFields)} } }`,
    ],
  ])("refuses more, %s, before any of them runs", async (_label, document) => {
    const member = await signUpMember(app);
    const response = await app.gql(document, {}, { token: member.token });
    expect(errorCode(response)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(messages(response)).toMatch(/too many mutations: at most 5/);
    expect(await balanceOf(app, member)).toBe(0);
  });
});

describe("production defaults", () => {
  const production = { NODE_ENV: "production", JWT_SECRET: "x".repeat(40) };

  it("turn introspection and the playground off unless asked for", async () => {
    const prod = await startTestApp("graphql_production", production);
    try {
      expect(errorCode(await prod.gql(`{ __schema { types { name } } }`))).toBe("GRAPHQL_VALIDATION_FAILED");
      const page = await fetch(`${prod.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    } finally {
      await prod.close();
    }
  });

  /** Misspellings whose answers would name the real field, argument, type or input field ("Did you mean ..."). */
  const MISSPELT: Array<[string, string, Record<string, unknown>, string]> = [
    ["a field", `{ prodcts(first: 1) { totalCount } }`, {}, `"products"`],
    ["an argument", `{ products(frist: 1) { totalCount } }`, {}, `"first"`],
    ["a type", `query ($n: Intt) { products(first: $n) { totalCount } }`, {}, `"Int"`],
    [
      "an input field in a variable",
      `mutation ($input: AddCartItemInput!) { addCartItem(input: $input) { totalQuantity } }`,
      { input: { productId: "1", optionld: "1", quantity: 1 } },
      "optionId",
    ],
  ];
  const post = (url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query, variables }),
    });
  /** The answer's error codes and messages, one line each. */
  const errorLines = async (response: Response): Promise<string> => {
    const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    return (body.errors ?? []).map((error) => `${error.extensions?.code}: ${error.message}`).join("\n");
  };
  /** A header that leaves a request to Express rather than the plain-POST path (graphql-post.ts). */
  const THROUGH_EXPRESS = { "content-encoding": "identity" };

  it("hide field suggestions when introspection is off, on the plain-POST path and through Express", async () => {
    const prod = await startTestApp("graphql_suggestions", production);
    try {
      for (const [label, query, variables, hidden] of MISSPELT) {
        for (const headers of [{}, THROUGH_EXPRESS]) {
          const response = await post(prod.url, query, variables, headers);
          expect(response.headers.get("etag") === null, label).toBe(Object.keys(headers).length === 0); // the path taken
          const text = await errorLines(response);
          expect(text, label).toMatch(/^(GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT): /);
          expect(text, label).not.toMatch(/Did you mean/);
          expect(text, label).not.toContain(hidden);
        }
      }
    } finally {
      await prod.close();
    }
  });

  it("keep field suggestions where introspection is on (development)", async () => {
    for (const [label, query, variables, hidden] of MISSPELT) {
      const text = await errorLines(await post(app.url, query, variables));
      expect(text, label).toMatch(/Did you mean/);
      expect(text, label).toContain(hidden);
    }
  });
});
