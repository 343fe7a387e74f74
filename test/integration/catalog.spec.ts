import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { product, productOption, stock } from "../../src/db/schema/index.js";
import { adminToken, createProduct, signUpMember } from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
let admin: string;
let member: string;

beforeAll(async () => {
  app = await startTestApp("catalog");
  admin = await adminToken(app);
  member = (await signUpMember(app)).token;
});
afterAll(() => app.close());

const CREATE = `mutation ($input: CreateProductInput!) {
  createProduct(input: $input) { id name price stock options { id name additionalPrice price stock } }
}`;
const RESTOCK = `mutation ($optionId: ID!, $quantity: Int!) { restock(optionId: $optionId, quantity: $quantity) { id price stock } }`;

/** Rows of every catalog table, to show a refused request changed nothing. */
async function catalogSnapshot() {
  const { db } = app.database;
  return {
    products: await db.select().from(product),
    options: await db.select().from(productOption),
    stock: await db.select().from(stock),
  };
}

describe("createProduct", () => {
  it("gives a product without options one default option named like it, holding its stock", async () => {
    const { createProduct } = expectData(
      await app.gql<{ createProduct: { options: unknown[]; stock: number; name: string } }>(
        CREATE,
        { input: { name: "Gimbap", price: 3500, stock: 7 } },
        { token: admin },
      ),
    );
    expect(createProduct).toMatchObject({ name: "Gimbap", price: 3500, stock: 7 });
    expect(createProduct.options).toEqual([
      { id: expect.any(String) as string, name: "Gimbap", additionalPrice: 0, price: 3500, stock: 7 },
    ]);
  });

  it("prices each option as product price + additionalPrice and sums their stock", async () => {
    const created = expectData(
      await app.gql<{
        createProduct: { stock: number; options: Array<{ name: string; price: number; stock: number }> };
      }>(
        CREATE,
        {
          input: {
            name: "T-shirt",
            price: 20000,
            options: [
              { name: "S", additionalPrice: -1000, stock: 3 },
              { name: "XL", additionalPrice: 2000, stock: 4 },
            ],
          },
        },
        { token: admin },
      ),
    ).createProduct;
    expect(created.stock).toBe(7);
    expect(created.options.map(({ name, price, stock }) => ({ name, price, stock }))).toEqual([
      { name: "S", price: 19000, stock: 3 },
      { name: "XL", price: 22000, stock: 4 },
    ]);
  });

  it.each([
    ["an empty name", { name: "" }, "name"],
    ["a name of spaces", { name: "   " }, "name"],
    ["a 201-character name", { name: "x".repeat(201) }, "name"],
    ["a 1 MB name", { name: "x".repeat(900_000) }, "name"],
    ["a negative price", { price: -1 }, "price"],
    ["a price above the cap", { price: 1_000_000_001 }, "price"],
    ["negative stock", { stock: -5 }, "stock"],
    ["stock and options together", { stock: 1, options: [{ name: "A", additionalPrice: 0, stock: 1 }] }, "stock"],
    ["an empty options list", { options: [] }, "options"],
    [
      "an option price below zero",
      { options: [{ name: "A", additionalPrice: -1001, stock: 1 }] },
      "options[0].additionalPrice",
    ],
    ["negative option stock", { options: [{ name: "A", additionalPrice: 0, stock: -1 }] }, "options[0].stock"],
    [
      "two options with the same name",
      {
        options: [
          { name: "A", additionalPrice: 0, stock: 1 },
          { name: "a", additionalPrice: 0, stock: 1 },
        ],
      },
      "options[1].name",
    ],
  ])("refuses %s with BAD_USER_INPUT and changes nothing", async (_label, override, field) => {
    const before = await catalogSnapshot();
    const response = await app.gql(CREATE, { input: { name: "Valid", price: 1000, ...override } }, { token: admin });
    expect(errorCode(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0]!.extensions!.field).toBe(field);
    expect(await catalogSnapshot()).toEqual(before);
  });

  it.each([
    ["a fractional price", { price: 10.5 }],
    ["a price past 2^53", { price: 2 ** 53 }],
    ["a price as a string", { price: "1000" }],
    ["stock as a float", { stock: 1.5 }],
    ["stock past Int", { stock: 2 ** 31 }],
  ])("refuses %s at the type level with BAD_USER_INPUT", async (_label, override) => {
    const before = await catalogSnapshot();
    const response = await app.gql(CREATE, { input: { name: "Valid", price: 1000, ...override } }, { token: admin });
    expect(errorCode(response)).toBe("BAD_USER_INPUT");
    expect(await catalogSnapshot()).toEqual(before);
  });

  it("is ADMIN only: UNAUTHENTICATED without a token, FORBIDDEN for a member, and nothing is created", async () => {
    const before = await catalogSnapshot();
    const input = { name: "Sneaky", price: 1, stock: 1 };
    expect(errorCode(await app.gql(CREATE, { input }))).toBe("UNAUTHENTICATED");
    expect(errorCode(await app.gql(CREATE, { input }, { token: member }))).toBe("FORBIDDEN");
    expect(errorCode(await app.gql(CREATE, { input }, { token: "forged.token.value" }))).toBe("UNAUTHENTICATED");
    expect(await catalogSnapshot()).toEqual(before);
  });
});

describe("restock", () => {
  it("adds units to one option and the product's stock follows", async () => {
    const created = await createProduct(app, admin, {
      name: "Socks",
      price: 5000,
      options: [
        { name: "Red", additionalPrice: 0, stock: 1 },
        { name: "Blue", additionalPrice: 500, stock: 2 },
      ],
    });
    const blue = created.options[1]!;
    const data = expectData(
      await app.gql<{ restock: { stock: number; price: number } }>(
        RESTOCK,
        { optionId: blue.id, quantity: 10 },
        { token: admin },
      ),
    );
    expect(data.restock).toEqual({ id: blue.id, price: 5500, stock: 12 });
    const read = expectData(
      await app.gql<{ product: { stock: number } }>(`query ($id: ID!) { product(id: $id) { stock } }`, {
        id: created.id,
      }),
    );
    expect(read.product.stock).toBe(13);
  });

  it("adds every unit of concurrent restocks", async () => {
    const created = await createProduct(app, admin, { name: "Busy", price: 100, stock: 0 });
    const optionId = created.options[0]!.id;
    await Promise.all(Array.from({ length: 20 }, () => app.gql(RESTOCK, { optionId, quantity: 5 }, { token: admin })));
    const read = expectData(
      await app.gql<{ product: { stock: number } }>(`query ($id: ID!) { product(id: $id) { stock } }`, {
        id: created.id,
      }),
    );
    expect(read.product.stock).toBe(100);
  });

  it.each([
    ["zero", { quantity: 0 }, "BAD_USER_INPUT"],
    ["a negative quantity", { quantity: -3 }, "BAD_USER_INPUT"],
    ["an unknown option", { optionId: "999999" }, "NOT_FOUND"],
    ["a non-numeric id", { optionId: "abc" }, "BAD_USER_INPUT"],
    ["an id past 2^53", { optionId: "99999999999999999999" }, "BAD_USER_INPUT"],
    ["an id with SQL in it", { optionId: "1 OR 1=1" }, "BAD_USER_INPUT"],
  ])("refuses %s and changes nothing", async (_label, override, code) => {
    const created = await createProduct(app, admin, { name: "Fixed", price: 100, stock: 3 });
    const before = await catalogSnapshot();
    const response = await app.gql(
      RESTOCK,
      { optionId: created.options[0]!.id, quantity: 1, ...override },
      { token: admin },
    );
    expect(errorCode(response)).toBe(code);
    expect(await catalogSnapshot()).toEqual(before);
  });

  it("is ADMIN only", async () => {
    const created = await createProduct(app, admin, { name: "Guarded", price: 100, stock: 3 });
    const variables = { optionId: created.options[0]!.id, quantity: 1 };
    expect(errorCode(await app.gql(RESTOCK, variables))).toBe("UNAUTHENTICATED");
    expect(errorCode(await app.gql(RESTOCK, variables, { token: member }))).toBe("FORBIDDEN");
  });
});

describe("product", () => {
  it("returns null for an unknown id and BAD_USER_INPUT for a malformed one", async () => {
    expect(expectData(await app.gql(`{ product(id: "987654") { id } }`))).toEqual({ product: null });
    expect(errorCode(await app.gql(`{ product(id: "-1") { id } }`))).toBe("BAD_USER_INPUT");
    expect(errorCode(await app.gql(`{ product(id: "1.5") { id } }`))).toBe("BAD_USER_INPUT");
  });

  it("reads stock from the database at query time", async () => {
    const created = await createProduct(app, admin, { name: "Live", price: 100, stock: 3 });
    const { db } = app.database;
    await db.update(stock).set({ quantity: 42 });
    const read = expectData(
      await app.gql<{ product: { stock: number } }>(`query ($id: ID!) { product(id: $id) { stock } }`, {
        id: created.id,
      }),
    );
    expect(read.product.stock).toBe(42);
  });
});
