import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  balanceOf,
  chargePoints,
  createProduct,
  placeOrder,
  signUpMember,
  type SignedIn,
} from "../helpers/factories.js";
import { errorCode, expectData, type GraphQLResponse } from "../helpers/graphql.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * Every query and mutation, called as nobody, as another member and as an ADMIN, against the data of
 * one member (the owner). SPEC: member data is the caller's own only (another member's order is
 * NOT_FOUND, even for an ADMIN: the API has no "act as" path); only an ADMIN changes the catalog.
 */
type Caller = "anonymous" | "other" | "admin";
type Expect = "ok" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_USER_INPUT";

let app: TestApp;
let owner: SignedIn;
let tokens: Record<Caller, string | undefined>;
let ids: {
  productId: string;
  optionId: string;
  orderId: string;
  orderItemId: string;
  cartItemId: string;
  checkoutId: string;
  pgOrderId: string;
};

beforeAll(async () => {
  app = await startTestApp("authorization");
  const admin = await adminToken(app);
  const product = await createProduct(app, admin, { name: "Audited", price: 100, stock: 100 });
  owner = await signUpMember(app);
  const other = await signUpMember(app);
  await chargePoints(app, owner, 10_000);
  await chargePoints(app, other, 10_000);
  const order = expectData(
    await placeOrder(app, owner, { items: [{ productId: product.id, quantity: 2 }] }),
  ).placeOrder;
  const cart = expectData(
    await app.gql<{ addCartItem: { items: Array<{ id: string }> } }>(
      `mutation ($p: ID!) { addCartItem(input: { productId: $p, quantity: 1 }) { items { id } } }`,
      { p: product.id },
      { token: owner.token },
    ),
  ).addCartItem;
  const checkout = expectData(
    await app.gql<{ startCheckout: { id: string; pgOrderId: string } }>(
      `mutation ($p: ID!) { startCheckout(input: { items: [{ productId: $p, quantity: 1 }] }) { id pgOrderId } }`,
      { p: product.id },
      { token: owner.token },
    ),
  ).startCheckout;
  ids = {
    checkoutId: checkout.id,
    pgOrderId: checkout.pgOrderId,
    productId: product.id,
    optionId: product.options[0]!.id,
    orderId: order.id,
    orderItemId: order.items[0]!.id,
    cartItemId: cart.items[0]!.id,
  };
  tokens = { anonymous: undefined, other: other.token, admin };
});
afterAll(() => app.close());

interface Row {
  operation: string;
  document: () => string;
  expect: Record<Caller, Expect>;
}

const ownerOnly: Record<Caller, Expect> = { anonymous: "UNAUTHENTICATED", other: "NOT_FOUND", admin: "NOT_FOUND" };
const anyMember: Record<Caller, Expect> = { anonymous: "UNAUTHENTICATED", other: "ok", admin: "ok" };
const adminOnly: Record<Caller, Expect> = { anonymous: "UNAUTHENTICATED", other: "FORBIDDEN", admin: "ok" };
const everyone: Record<Caller, Expect> = { anonymous: "ok", other: "ok", admin: "ok" };
// The PG's redirects name a checkout by pgOrderId: another member's is refused as bad input, and the
// PG is never called for it.
const ownerRedirect: Record<Caller, Expect> = {
  anonymous: "UNAUTHENTICATED",
  other: "BAD_USER_INPUT",
  admin: "BAD_USER_INPUT",
};

const table: Row[] = [
  { operation: "me", document: () => `{ me { id } }`, expect: everyone },
  { operation: "products", document: () => `{ products { totalCount } }`, expect: everyone },
  { operation: "product", document: () => `{ product(id: "${ids.productId}") { id } }`, expect: everyone },
  { operation: "popularProducts", document: () => `{ popularProducts { rank } }`, expect: everyone },
  { operation: "point", document: () => `{ point { balance } }`, expect: anyMember },
  { operation: "cart", document: () => `{ cart { items { id } } }`, expect: anyMember },
  { operation: "orders", document: () => `{ orders { totalCount } }`, expect: anyMember },
  { operation: "order (the owner's)", document: () => `{ order(id: "${ids.orderId}") { id } }`, expect: ownerOnly },
  { operation: "chargePoint", document: () => `mutation { chargePoint(amount: 1) { balance } }`, expect: anyMember },
  {
    operation: "addCartItem",
    document: () => `mutation { addCartItem(input: { productId: "${ids.productId}", quantity: 1 }) { totalQuantity } }`,
    expect: anyMember,
  },
  {
    operation: "updateCartItem (the owner's line)",
    document: () => `mutation { updateCartItem(cartItemId: "${ids.cartItemId}", quantity: 3) { totalQuantity } }`,
    expect: ownerOnly,
  },
  {
    operation: "removeCartItem (the owner's line)",
    document: () => `mutation { removeCartItem(cartItemId: "${ids.cartItemId}") { totalQuantity } }`,
    expect: ownerOnly,
  },
  { operation: "clearCart", document: () => `mutation { clearCart { totalQuantity } }`, expect: anyMember },
  {
    operation: "placeOrder",
    document: () =>
      `mutation { placeOrder(input: { items: [{ productId: "${ids.productId}", quantity: 1 }] }) { id } }`,
    expect: { anonymous: "UNAUTHENTICATED", other: "ok", admin: "INSUFFICIENT_BALANCE" as Expect },
  },
  {
    operation: "cancelOrderItem (the owner's line)",
    document: () => `mutation { cancelOrderItem(orderItemId: "${ids.orderItemId}") { id } }`,
    expect: ownerOnly,
  },
  {
    operation: "cancelOrder (the owner's order)",
    document: () => `mutation { cancelOrder(orderId: "${ids.orderId}") { id } }`,
    expect: ownerOnly,
  },
  { operation: "pgClientConfig", document: () => `{ pgClientConfig { clientKey } }`, expect: everyone },
  {
    operation: "checkout (the owner's)",
    document: () => `{ checkout(id: "${ids.checkoutId}") { id } }`,
    expect: ownerOnly,
  },
  {
    operation: "startCheckout",
    document: () =>
      `mutation { startCheckout(input: { items: [{ productId: "${ids.productId}", quantity: 1 }] }) { id } }`,
    expect: anyMember,
  },
  {
    operation: "confirmPayment (the owner's checkout)",
    document: () =>
      `mutation { confirmPayment(paymentKey: "fpk_audit", pgOrderId: "${ids.pgOrderId}", amount: 100) { id } }`,
    expect: ownerRedirect,
  },
  {
    operation: "abandonCheckout (the owner's checkout)",
    document: () => `mutation { abandonCheckout(pgOrderId: "${ids.pgOrderId}") { id } }`,
    expect: ownerRedirect,
  },
  {
    operation: "createProduct",
    document: () => `mutation { createProduct(input: { name: "New", price: 1, stock: 1 }) { id } }`,
    expect: adminOnly,
  },
  {
    operation: "restock",
    document: () => `mutation { restock(optionId: "${ids.optionId}", quantity: 1) { stock } }`,
    expect: adminOnly,
  },
];

const outcome = (response: GraphQLResponse<unknown>): string =>
  response.errors ? (errorCode(response) ?? "error") : "ok";

/** What belongs to the owner: none of it may change, whoever calls. */
async function ownersState() {
  const [rows] = await app.database.pool.query(
    `SELECT (SELECT balance FROM point_wallet WHERE member_id = ?) AS balance,
            (SELECT COUNT(*) FROM point_ledger WHERE member_id = ?) AS entries,
            (SELECT JSON_ARRAYAGG(JSON_OBJECT('id', ci.id, 'q', ci.quantity)) FROM cart_item ci JOIN cart c ON c.id = ci.cart_id WHERE c.member_id = ?) AS cart,
            (SELECT JSON_ARRAYAGG(JSON_OBJECT('id', o.id, 'status', o.status, 'refunded', o.refunded_amount)) FROM orders o WHERE o.member_id = ?) AS orders,
            (SELECT JSON_ARRAYAGG(JSON_OBJECT('id', k.id, 'status', k.status, 'key', k.payment_key)) FROM checkout k WHERE k.member_id = ?) AS checkouts`,
    [owner.memberId, owner.memberId, owner.memberId, owner.memberId, owner.memberId],
  );
  return rows;
}

describe("authorization audit", () => {
  for (const caller of ["anonymous", "other", "admin"] as const) {
    it.each(table)(`$operation as ${caller}`, async (row) => {
      const before = await ownersState();
      // The admin has no points: ordering is refused for the balance, proving it was the admin's own wallet.
      const response = await app.gql(row.document(), {}, { token: tokens[caller] });
      expect(outcome(response)).toBe(row.expect[caller]);
      expect(await ownersState()).toEqual(before);
    });
  }

  it("shows each member their own point, cart and orders, never the owner's", async () => {
    const other = tokens.other!;
    const point = expectData(
      await app.gql<{ point: { balance: number } }>(`{ point { balance } }`, {}, { token: other }),
    ).point;
    expect(point.balance).not.toBe(await balanceOf(app, owner));
    const orders = expectData(
      await app.gql<{ orders: { nodes: Array<{ id: string }> } }>(`{ orders { nodes { id } } }`, {}, { token: other }),
    ).orders;
    expect(orders.nodes.map((node) => node.id)).not.toContain(ids.orderId);
    const cart = expectData(
      await app.gql<{ cart: { items: Array<{ id: string }> } }>(`{ cart { items { id } } }`, {}, { token: other }),
    ).cart;
    expect(cart.items.map((item) => item.id)).not.toContain(ids.cartItemId);
  });
});
