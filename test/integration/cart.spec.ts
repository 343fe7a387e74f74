import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, createProduct, signUpMember, type CreatedProduct, type SignedIn } from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { startTestApp, statementsDuring, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
let admin: string;
let single: CreatedProduct;
let shirt: CreatedProduct;

beforeAll(async () => {
  app = await startTestApp("cart");
  admin = await adminToken(app);
  single = await createProduct(app, admin, { name: "Gimbap", price: 3500, stock: 10 });
  shirt = await createProduct(app, admin, {
    name: "Shirt",
    price: 20000,
    options: [
      { name: "M", additionalPrice: 0, stock: 5 },
      { name: "XL", additionalPrice: 2000, stock: 2 },
    ],
  });
});
afterAll(() => app.close());

const CART_FIELDS = `items { id quantity lineTotal product { id name } option { id name price } } totalQuantity totalAmount`;
const ADD = `mutation ($input: AddCartItemInput!) { addCartItem(input: $input) { ${CART_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $q: Int!) { updateCartItem(cartItemId: $id, quantity: $q) { ${CART_FIELDS} } }`;
const REMOVE = `mutation ($id: ID!) { removeCartItem(cartItemId: $id) { ${CART_FIELDS} } }`;
const CLEAR = `mutation { clearCart { ${CART_FIELDS} } }`;
const CART = `{ cart { ${CART_FIELDS} } }`;

interface CartData {
  items: Array<{
    id: string;
    quantity: number;
    lineTotal: number;
    product: { id: string };
    option: { id: string; price: number };
  }>;
  totalQuantity: number;
  totalAmount: number;
}

const add = (member: SignedIn, input: Record<string, unknown>) =>
  app.gql<{ addCartItem: CartData }>(ADD, { input }, { token: member.token });
const cartOf = async (member: SignedIn) =>
  expectData(await app.gql<{ cart: CartData }>(CART, {}, { token: member.token })).cart;

describe("cart", () => {
  it("adds lines, merges the same option, and totals at current prices", async () => {
    const member = await signUpMember(app);
    expectData(await add(member, { productId: single.id, quantity: 2 }));
    expectData(await add(member, { productId: shirt.id, optionId: shirt.options[1]!.id, quantity: 1 }));
    const cart = expectData(await add(member, { productId: single.id, quantity: 3 })).addCartItem;
    expect(cart.items.map((line) => [line.option.id, line.quantity, line.lineTotal])).toEqual([
      [single.options[0]!.id, 5, 17500],
      [shirt.options[1]!.id, 1, 22000],
    ]);
    expect(cart.totalQuantity).toBe(6);
    expect(cart.totalAmount).toBe(39500);
  });

  it("refuses more units than in stock, counting what the line already holds", async () => {
    const member = await signUpMember(app);
    const xl = shirt.options[1]!;
    expectData(await add(member, { productId: shirt.id, optionId: xl.id, quantity: 2 }));
    const refused = await add(member, { productId: shirt.id, optionId: xl.id, quantity: 1 });
    expect(errorCode(refused)).toBe("INSUFFICIENT_STOCK");
    expect(refused.errors![0]!.extensions).toMatchObject({ optionId: xl.id, available: 2, requested: 3 });
    expect((await cartOf(member)).items[0]!.quantity).toBe(2);
  });

  it.each([
    ["no optionId for a product with several options", () => ({ productId: shirt.id, quantity: 1 }), "BAD_USER_INPUT"],
    [
      "an option of another product",
      () => ({ productId: single.id, optionId: shirt.options[0]!.id, quantity: 1 }),
      "NOT_FOUND",
    ],
    ["an unknown product", () => ({ productId: "999999", quantity: 1 }), "NOT_FOUND"],
    ["a malformed product id", () => ({ productId: "abc", quantity: 1 }), "BAD_USER_INPUT"],
    ["quantity 0", () => ({ productId: single.id, quantity: 0 }), "BAD_USER_INPUT"],
    ["a negative quantity", () => ({ productId: single.id, quantity: -1 }), "BAD_USER_INPUT"],
    ["quantity 1001", () => ({ productId: single.id, quantity: 1001 }), "BAD_USER_INPUT"],
  ])("refuses %s and leaves the cart as it was", async (_label, input, code) => {
    const member = await signUpMember(app);
    expect(errorCode(await add(member, input()))).toBe(code);
    expect((await cartOf(member)).items).toEqual([]);
  });

  it("updates a line, removes it with quantity 0, removes and clears", async () => {
    const member = await signUpMember(app);
    const first = expectData(await add(member, { productId: single.id, quantity: 1 })).addCartItem.items[0]!;
    const updated = expectData(
      await app.gql<{ updateCartItem: CartData }>(UPDATE, { id: first.id, q: 4 }, { token: member.token }),
    ).updateCartItem;
    expect(updated.items[0]!.quantity).toBe(4);
    expect(errorCode(await app.gql(UPDATE, { id: first.id, q: 11 }, { token: member.token }))).toBe(
      "INSUFFICIENT_STOCK",
    );
    const zero = expectData(
      await app.gql<{ updateCartItem: CartData }>(UPDATE, { id: first.id, q: 0 }, { token: member.token }),
    ).updateCartItem;
    expect(zero.items).toEqual([]);

    const line = expectData(await add(member, { productId: shirt.id, optionId: shirt.options[0]!.id, quantity: 1 }))
      .addCartItem.items[0]!;
    expectData(await add(member, { productId: single.id, quantity: 1 }));
    const removed = expectData(
      await app.gql<{ removeCartItem: CartData }>(REMOVE, { id: line.id }, { token: member.token }),
    ).removeCartItem;
    expect(removed.items.map((item) => item.product.id)).toEqual([single.id]);
    const cleared = expectData(await app.gql<{ clearCart: CartData }>(CLEAR, {}, { token: member.token })).clearCart;
    expect(cleared).toEqual({ items: [], totalQuantity: 0, totalAmount: 0 });
  });

  it("never lets one member touch another's lines: NOT_FOUND, and nothing changes", async () => {
    const owner = await signUpMember(app);
    const intruder = await signUpMember(app);
    const line = expectData(await add(owner, { productId: single.id, quantity: 2 })).addCartItem.items[0]!;
    expect(errorCode(await app.gql(UPDATE, { id: line.id, q: 1 }, { token: intruder.token }))).toBe("NOT_FOUND");
    expect(errorCode(await app.gql(REMOVE, { id: line.id }, { token: intruder.token }))).toBe("NOT_FOUND");
    expect((await cartOf(owner)).items[0]!.quantity).toBe(2);
  });

  it("merges concurrent adds of the same option into one line without losing any", async () => {
    const member = await signUpMember(app);
    await Promise.all(Array.from({ length: 8 }, () => add(member, { productId: single.id, quantity: 1 })));
    const cart = await cartOf(member);
    expect(cart.items).toHaveLength(1);
    expect(cart.items[0]!.quantity).toBe(8);
  });

  it("loads a cart of many lines with a constant number of statements", async () => {
    const member = await signUpMember(app);
    const products = await Promise.all(
      Array.from({ length: 6 }, (_, i) => createProduct(app, admin, { name: `Line ${i}`, price: 100, stock: 5 })),
    );
    for (const product of products) expectData(await add(member, { productId: product.id, quantity: 1 }));
    const { result: cart, statements } = await statementsDuring(app, () => cartOf(member));
    expect(cart.items).toHaveLength(6);
    // cart lines, then products and options each in one batch
    expect(statements).toBe(3);
  });

  it("needs a member", async () => {
    expect(errorCode(await app.gql(CART))).toBe("UNAUTHENTICATED");
    expect(errorCode(await app.gql(CLEAR))).toBe("UNAUTHENTICATED");
  });
});
