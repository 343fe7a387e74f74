import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, createProduct } from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { startTestApp, statementsDuring, type TestApp } from "../helpers/test-app.js";
import { graphqlCompiledExecutions } from "../../src/observability/metrics.js";

let app: TestApp;
const created: string[] = [];

beforeAll(async () => {
  app = await startTestApp("products_page");
  const admin = await adminToken(app);
  for (let i = 1; i <= 25; i += 1) {
    const options =
      i % 3 === 0
        ? [
            { name: "A", additionalPrice: 0, stock: i },
            { name: "B", additionalPrice: 100, stock: 1 },
          ]
        : undefined;
    const product = await createProduct(app, admin, {
      name: `Product ${i}`,
      price: 1000 * i,
      ...(options ? { options } : { stock: i }),
    });
    created.push(product.id);
  }
});
afterAll(() => app.close());

interface PageData {
  products: {
    totalCount: number;
    edges: Array<{ cursor: string; node: { id: string } }>;
    nodes: Array<{ id: string; stock: number; options: Array<{ stock: number }> }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const PAGE = `query ($first: Int, $after: String) {
  products(first: $first, after: $after) {
    totalCount
    edges { cursor node { id } }
    nodes { id stock options { stock } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe("products", () => {
  it("pages newest first with cursors until the last page, every product exactly once", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { products }: PageData = expectData(await app.gql<PageData>(PAGE, { first: 10, after }));
      expect(products.totalCount).toBe(25);
      expect(products.edges.map((edge) => edge.node.id)).toEqual(products.nodes.map((node) => node.id));
      expect(products.edges.at(-1)?.cursor).toBe(products.pageInfo.endCursor);
      seen.push(...products.nodes.map((node) => node.id));
      pages += 1;
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  it("defaults to 20 and sums option stock per product", async () => {
    const { products } = expectData(await app.gql<PageData>(PAGE));
    expect(products.nodes).toHaveLength(20);
    for (const node of products.nodes) {
      expect(node.stock).toBe(node.options.reduce((sum, option) => sum + option.stock, 0));
    }
  });

  it.each([
    ["first: 0", { first: 0 }],
    ["first: 101", { first: 101 }],
    ["first: -1", { first: -1 }],
    ["a made-up cursor", { after: "bm90LWEtY3Vyc29y" }],
    ["a cursor that is not base64", { after: "%%%" }],
  ])("refuses %s with BAD_USER_INPUT", async (_label, variables) => {
    expect(errorCode(await app.gql(PAGE, variables))).toBe("BAD_USER_INPUT");
  });

  it("sends a constant number of SQL statements whatever the page size (DataLoader batching)", async () => {
    const statementsFor = async (first: number): Promise<number> => {
      const { statements } = await statementsDuring(app, async () =>
        expectData(
          await app.gql(
            `query ($first: Int) { products(first: $first) { nodes { name price stock options { name price stock } } } }`,
            { first },
          ),
        ),
      );
      return statements;
    };
    const counts = { 1: await statementsFor(1), 5: await statementsFor(5), 20: await statementsFor(20) };
    // One for the page, one for all options with their stock.
    expect(counts).toEqual({ 1: 2, 5: 2, 20: 2 });
  });

  it("reads options with the page only when the query shows them, through fragments and edges too", async () => {
    const statementsFor = async (query: string): Promise<number> =>
      (await statementsDuring(app, async () => expectData(await app.gql(query)))).statements;
    expect(await statementsFor(`{ products(first: 10) { nodes { id name price } pageInfo { hasNextPage } } }`)).toBe(1);
    expect(
      await statementsFor(
        `{ products(first: 10) { edges { node { ...Stocked } } } } fragment Stocked on Product { stock }`,
      ),
    ).toBe(2);
    expect(await statementsFor(`{ products(first: 10) { nodes { ... on Product { options { id } } } } }`)).toBe(2);
    const { products } = expectData(
      await app.gql<{ products: { edges: Array<{ node: { stock: number; options: Array<{ stock: number }> } }> } }>(
        `{ products(first: 10) { edges { node { ...Stocked } } } } fragment Stocked on Product { stock options { stock } }`,
      ),
    );
    for (const { node } of products.edges)
      expect(node.stock).toBe(node.options.reduce((sum, option) => sum + option.stock, 0));
  });

  it("answers a page the same once its document is compiled, in the same two statements", async () => {
    const query = `query Hot($first: Int) { products(first: $first) { nodes { id name price stock options { id name stock } } } }`;
    const executions = async (engine: string): Promise<number> =>
      (await graphqlCompiledExecutions.get()).values.find((value) => value.labels.engine === engine)?.value ?? 0;
    const compiledBefore = await executions("compiled");
    const answers = [];
    for (let i = 0; i < 3; i += 1) {
      const { result, statements } = await statementsDuring(app, async () => app.gql(query, { first: 20 }));
      expect(statements).toBe(2);
      answers.push(expectData(result));
    }
    // The first run is graphql-js's, the next two the compiled document's (GRAPHQL_COMPILE_AFTER 2).
    expect((await executions("compiled")) - compiledBefore).toBe(2);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });
});
