import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntilDrained } from "../helpers/drain.js";
import { APP_TABLES, snapshotDatabase } from "../helpers/db-snapshot.js";
import {
  ORDER_FIELDS,
  adminToken,
  chargePoints,
  createProduct,
  placeOrder,
  signUpMember,
  type CreatedProduct,
  type OrderData,
  type SignedIn,
} from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { TEST_ADMIN, startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * A corpus of hostile inputs, each sent over real HTTP to the running service. Every case must be
 * answered with the code SPEC gives it, and leave every row of every table exactly as it was.
 *
 * Strings of "1 MB" below are 1,000,000 characters: with the document around them the body stays
 * under the server's 1 MiB (1,048,576 bytes) JSON limit, so they reach the resolvers and exercise
 * the length rules (BAD_USER_INPUT). A body over the limit never becomes a GraphQL request at all
 * (HTTP 413, no `extensions.code`): it is checked on its own under "transport" at the end.
 */

let app: TestApp;
let baseline: Map<number, number>;

/** What the cases aim at, made once in beforeAll. */
interface Fixture {
  admin: string;
  member: SignedIn;
  /** One option ("Gimbap"), 1,000 won, stock 5,000. */
  single: CreatedProduct;
  /** Two options: A (20,000 won, stock 5) and B (22,000 won, stock 5). */
  duo: CreatedProduct;
  /** The member's cart line of `single`, 999 units: one more unit than 1 would pass 1,000. */
  cartSingleLineId: string;
  /** The member's cart line of duo B, 1 unit of the 5 in stock. */
  cartDuoLineId: string;
  /** The member's PAID order: 1 x single, 1 x duo A. */
  order: OrderData;
  /** The member's order cancelled as a whole. */
  cancelled: OrderData;
  /** The member's PENDING checkout of 1 x single, paid 1,000 by card. */
  checkout: { id: string; pgOrderId: string; amount: number };
}
let f: Fixture;

beforeAll(async () => {
  app = await startTestApp("bad-input-corpus");
  const admin = await adminToken(app);
  const member = await signUpMember(app, "corpus-member");
  await chargePoints(app, member, 1_000_000);
  const single = await createProduct(app, admin, { name: "Gimbap", price: 1000, stock: 5000 });
  const duo = await createProduct(app, admin, {
    name: "Shirt",
    price: 20000,
    options: [
      { name: "A", additionalPrice: 0, stock: 5 },
      { name: "B", additionalPrice: 2000, stock: 5 },
    ],
  });
  const order = expectData(
    await placeOrder(app, member, {
      items: [
        { productId: single.id, quantity: 1 },
        { productId: duo.id, optionId: duo.options[0]!.id, quantity: 1 },
      ],
    }),
  ).placeOrder;
  const toCancel = expectData(
    await placeOrder(app, member, { items: [{ productId: single.id, quantity: 1 }] }),
  ).placeOrder;
  const cancelled = expectData(
    await app.gql<{ cancelOrder: OrderData }>(
      `mutation ($id: ID!) { cancelOrder(orderId: $id) { ${ORDER_FIELDS} } }`,
      { id: toCancel.id },
      { token: member.token },
    ),
  ).cancelOrder;
  const ADD = `mutation ($input: AddCartItemInput!) { addCartItem(input: $input) { items { id option { id } } } }`;
  expectData(await app.gql(ADD, { input: { productId: single.id, quantity: 999 } }, { token: member.token }));
  const cart = expectData(
    await app.gql<{ addCartItem: { items: Array<{ id: string; option: { id: string } }> } }>(
      ADD,
      { input: { productId: duo.id, optionId: duo.options[1]!.id, quantity: 1 } },
      { token: member.token },
    ),
  ).addCartItem.items;
  const lineOf = (optionId: string) => cart.find((line) => line.option.id === optionId)!.id;
  const checkout = expectData(
    await app.gql<{ startCheckout: Fixture["checkout"] }>(
      `mutation ($p: ID!) { startCheckout(input: { items: [{ productId: $p, quantity: 1 }] }) { id pgOrderId amount } }`,
      { p: single.id },
      { token: member.token },
    ),
  ).startCheckout;
  f = {
    admin,
    member,
    single,
    duo,
    cartSingleLineId: lineOf(single.options[0]!.id),
    cartDuoLineId: lineOf(duo.options[1]!.id),
    order,
    cancelled,
    checkout,
  };
  expect(cancelled.status).toBe("CANCELLED");
  // The relay marks outbox rows published in the background: let it finish so that no snapshot
  // below sees a change nobody asked for.
  await waitUntilDrained(app.database.db, [], 15_000);
  baseline = await stockBaseline(app.database.pool);
});

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if beforeAll failed
  if (!app) return;
  expect(await checkInvariants(app.database.pool, baseline)).toEqual([]);
  await app.close();
});

// ---------------------------------------------------------------------------------------------
// Documents

const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;
const CHARGE = `mutation ($amount: SafeInt!, $key: String) { chargePoint(amount: $amount, idempotencyKey: $key) { balance } }`;
const ADD = `mutation ($input: AddCartItemInput!) { addCartItem(input: $input) { totalQuantity } }`;
const UPDATE = `mutation ($id: ID!, $quantity: Int!) { updateCartItem(cartItemId: $id, quantity: $quantity) { totalQuantity } }`;
const REMOVE = `mutation ($id: ID!) { removeCartItem(cartItemId: $id) { totalQuantity } }`;
const CANCEL_ITEM = `mutation ($id: ID!) { cancelOrderItem(orderItemId: $id) { id } }`;
const CANCEL_ORDER = `mutation ($id: ID!) { cancelOrder(orderId: $id) { id } }`;
const CREATE = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const RESTOCK = `mutation ($id: ID!, $quantity: Int!) { restock(optionId: $id, quantity: $quantity) { id } }`;
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`;
const LOGIN = `mutation ($loginId: String!, $password: String!) { login(loginId: $loginId, password: $password) { token } }`;
const PRODUCTS = `query ($first: Int, $after: String) { products(first: $first, after: $after) { totalCount } }`;
const HISTORY = `query ($first: Int) { point { history(first: $first) { totalCount } } }`;
const ORDERS = `query ($first: Int, $after: String) { orders(first: $first, after: $after) { totalCount } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { id } }`;
const PRODUCT = `query ($id: ID!) { product(id: $id) { id } }`;
const START = `mutation ($input: StartCheckoutInput!) { startCheckout(input: $input) { id } }`;
const CONFIRM = `mutation ($key: String!, $pgOrderId: String!, $amount: SafeInt!) { confirmPayment(paymentKey: $key, pgOrderId: $pgOrderId, amount: $amount) { id } }`;
const ABANDON = `mutation ($pgOrderId: String!, $code: String, $message: String) { abandonCheckout(pgOrderId: $pgOrderId, code: $code, message: $message) { id } }`;
const CHECKOUT = `query ($id: ID!) { checkout(id: $id) { id } }`;
const POPULAR = `query ($days: Int, $limit: Int) { popularProducts(days: $days, limit: $limit) { rank } }`;

// ---------------------------------------------------------------------------------------------
// Values

const MB = "x".repeat(1_000_000);
const INT_OVER = 2 ** 31; // one past GraphQL Int
const UNSAFE = 2 ** 53; // one past SafeInt / Number.MAX_SAFE_INTEGER
const UNKNOWN_ID = "987654321";
const ID_20_DIGITS = "12345678901234567890";
const cursor = (text: string) => Buffer.from(text, "utf8").toString("base64url");
/** A fresh valid sign-up, so that only the overridden field is at fault. */
const signUp = (override: Record<string, unknown>) => ({
  input: { loginId: "corpus-newcomer", password: "correct-horse-battery", nickname: "New", ...override },
});
/** A placeOrder of `single` whose one line is patched. */
const orderLine = (patch: Record<string, unknown>) => (x: Fixture) => ({
  input: { items: [{ productId: x.single.id, quantity: 1, ...patch }] },
});
const lines =
  (count: number, quantity = 1) =>
  (x: Fixture) => ({ input: { items: Array.from({ length: count }, () => ({ productId: x.single.id, quantity })) } });
/** An addCartItem of duo B whose input is patched. */
const cartAdd = (patch: Record<string, unknown>) => (x: Fixture) => ({
  input: { productId: x.duo.id, optionId: x.duo.options[1]!.id, quantity: 1, ...patch },
});
/** A startCheckout of `single` (1,000 won) whose input is patched. */
const checkoutOf = (patch: Record<string, unknown>) => (x: Fixture) => ({
  input: { items: [{ productId: x.single.id, quantity: 1 }], ...patch },
});
/** A confirmPayment of the fixture's checkout whose arguments are patched. */
const redirect = (patch: Record<string, unknown>) => (x: Fixture) => ({
  key: "fpk_corpus",
  pgOrderId: x.checkout.pgOrderId,
  amount: x.checkout.amount,
  ...patch,
});
const product = (patch: Record<string, unknown>) => ({ input: { name: "Valid", price: 1000, ...patch } });
const option = (name: string, additionalPrice = 0, stock = 1) => ({ name, additionalPrice, stock });

// ---------------------------------------------------------------------------------------------
// The corpus: [label, document, variables, token, expected extensions.code]

type Token = "none" | "member" | "admin";
/** `null`: no error at all (SPEC answers `product(id)` of an unknown id with null, not NOT_FOUND). */
type Expected = string | null;
type Variables = Record<string, unknown> | ((x: Fixture) => Record<string, unknown>);
type Case = [label: string, document: string, variables: Variables, token: Token, expected: Expected];

const BAD = "BAD_USER_INPUT";
const VALIDATION = "GRAPHQL_VALIDATION_FAILED";

const CASES: Case[] = [
  // --- card checkouts ------------------------------------------------------------------------
  ["startCheckout: without a token", START, checkoutOf({}), "none", "UNAUTHENTICATED"],
  ["startCheckout: pointAmount -1", START, checkoutOf({ pointAmount: -1 }), "member", BAD],
  ["startCheckout: pointAmount the whole total", START, checkoutOf({ pointAmount: 1000 }), "member", BAD],
  ["startCheckout: pointAmount 10.5", START, checkoutOf({ pointAmount: 10.5 }), "member", BAD],
  ["startCheckout: pointAmount 2^53", START, checkoutOf({ pointAmount: UNSAFE }), "member", BAD],
  ["startCheckout: items and fromCart", START, checkoutOf({ fromCart: true }), "member", BAD],
  ["startCheckout: an empty idempotency key", START, checkoutOf({ idempotencyKey: "" }), "member", BAD],
  [
    "startCheckout: quantity 0",
    START,
    (x: Fixture) => ({ input: { items: [{ productId: x.single.id, quantity: 0 }] } }),
    "member",
    BAD,
  ],
  [
    "startCheckout: an unknown product",
    START,
    { input: { items: [{ productId: UNKNOWN_ID, quantity: 1 }] } },
    "member",
    "NOT_FOUND",
  ],
  [
    "startCheckout: more than the stock",
    START,
    (x: Fixture) => ({ input: { items: [{ productId: x.duo.id, optionId: x.duo.options[0]!.id, quantity: 6 }] } }),
    "member",
    "INSUFFICIENT_STOCK",
  ],
  ["confirmPayment: without a token", CONFIRM, redirect({}), "none", "UNAUTHENTICATED"],
  ["confirmPayment: a tampered amount", CONFIRM, redirect({ amount: 1 }), "member", BAD],
  ["confirmPayment: amount 0", CONFIRM, redirect({ amount: 0 }), "member", BAD],
  ["confirmPayment: amount 10.5", CONFIRM, redirect({ amount: 10.5 }), "member", BAD],
  ["confirmPayment: an empty paymentKey", CONFIRM, redirect({ key: "" }), "member", BAD],
  ["confirmPayment: a paymentKey of 1 MB", CONFIRM, redirect({ key: MB }), "member", BAD],
  ["confirmPayment: a paymentKey with a slash", CONFIRM, redirect({ key: "../../v1/payments" }), "member", BAD],
  ["confirmPayment: a pgOrderId too short", CONFIRM, redirect({ pgOrderId: "ck_1" }), "member", BAD],
  ["confirmPayment: a pgOrderId with SQL", CONFIRM, redirect({ pgOrderId: "' OR 1=1 --" }), "member", BAD],
  ["confirmPayment: an unknown pgOrderId", CONFIRM, redirect({ pgOrderId: "ck_nobody_has_this" }), "member", BAD],
  ["confirmPayment: another member's checkout", CONFIRM, redirect({}), "admin", BAD],
  [
    "abandonCheckout: a code that is not the PG's",
    ABANDON,
    (x: Fixture) => ({ pgOrderId: x.checkout.pgOrderId, code: "<script>" }),
    "member",
    BAD,
  ],
  ["abandonCheckout: a pgOrderId of 1 MB", ABANDON, { pgOrderId: MB }, "member", BAD],
  [
    "abandonCheckout: another member's checkout",
    ABANDON,
    (x: Fixture) => ({ pgOrderId: x.checkout.pgOrderId }),
    "admin",
    BAD,
  ],
  ["checkout: a malformed id", CHECKOUT, { id: "abc" }, "member", BAD],
  ["checkout: an unknown id", CHECKOUT, { id: UNKNOWN_ID }, "member", "NOT_FOUND"],
  ["checkout: another member's", CHECKOUT, (x: Fixture) => ({ id: x.checkout.id }), "admin", "NOT_FOUND"],
  // --- placeOrder: quantities ---------------------------------------------------------------
  ["placeOrder: without a token", PLACE, orderLine({}), "none", "UNAUTHENTICATED"],
  ["placeOrder: quantity 0", PLACE, orderLine({ quantity: 0 }), "member", BAD],
  ["placeOrder: quantity -1", PLACE, orderLine({ quantity: -1 }), "member", BAD],
  ["placeOrder: quantity 1.5", PLACE, orderLine({ quantity: 1.5 }), "member", BAD],
  ["placeOrder: quantity 1001", PLACE, orderLine({ quantity: 1001 }), "member", BAD],
  ["placeOrder: quantity 2^31", PLACE, orderLine({ quantity: INT_OVER }), "member", BAD],
  ["placeOrder: quantity -2^31-1", PLACE, orderLine({ quantity: -INT_OVER - 1 }), "member", BAD],
  ["placeOrder: quantity 2^53", PLACE, orderLine({ quantity: UNSAFE }), "member", BAD],
  ["placeOrder: quantity 1e300", PLACE, orderLine({ quantity: 1e300 }), "member", BAD],
  ["placeOrder: quantity as the string '5'", PLACE, orderLine({ quantity: "5" }), "member", BAD],
  ["placeOrder: quantity as the string '2147483648'", PLACE, orderLine({ quantity: "2147483648" }), "member", BAD],
  ["placeOrder: quantity 'NaN'", PLACE, orderLine({ quantity: "NaN" }), "member", BAD],
  ["placeOrder: quantity 'Infinity'", PLACE, orderLine({ quantity: "Infinity" }), "member", BAD],
  ["placeOrder: quantity true", PLACE, orderLine({ quantity: true }), "member", BAD],
  ["placeOrder: quantity null", PLACE, orderLine({ quantity: null }), "member", BAD],
  ["placeOrder: quantity [1]", PLACE, orderLine({ quantity: [1] }), "member", BAD],
  ["placeOrder: quantity {}", PLACE, orderLine({ quantity: {} }), "member", BAD],
  ["placeOrder: quantity left out", PLACE, (x) => ({ input: { items: [{ productId: x.single.id }] } }), "member", BAD],
  [
    "placeOrder: quantity 2^31 as a literal",
    `mutation { placeOrder(input: { items: [{ productId: "1", quantity: 2147483648 }] }) { id } }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "placeOrder: quantity as a string literal",
    `mutation { placeOrder(input: { items: [{ productId: "1", quantity: "1" }] }) { id } }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "placeOrder: more than the balance (with a key)",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1000 }], idempotencyKey: "corpus-balance" } }),
    "member",
    "INSUFFICIENT_BALANCE",
  ],
  [
    "placeOrder: more than the stock (with a key)",
    PLACE,
    (x) => ({
      input: {
        items: [{ productId: x.duo.id, optionId: x.duo.options[0]!.id, quantity: 5 }],
        idempotencyKey: "corpus-stock",
      },
    }),
    "member",
    "INSUFFICIENT_STOCK",
  ],

  // --- placeOrder: lines ----------------------------------------------------------------------
  ["placeOrder: two lines of 600 merging past 1000", PLACE, lines(2, 600), "member", BAD],
  ["placeOrder: 100 lines of 11 merging to 1100", PLACE, lines(100, 11), "member", BAD],
  ["placeOrder: 101 lines", PLACE, lines(101), "member", BAD],
  ["placeOrder: exactly 1000 lines", PLACE, lines(1000), "member", BAD],
  ["placeOrder: no lines", PLACE, { input: { items: [] } }, "member", BAD],
  ["placeOrder: neither items nor fromCart", PLACE, { input: {} }, "member", BAD],
  ["placeOrder: fromCart false alone", PLACE, { input: { fromCart: false } }, "member", BAD],
  [
    "placeOrder: both items and fromCart",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1 }], fromCart: true } }),
    "member",
    BAD,
  ],
  // The admin is a member whose cart is empty.
  [
    "placeOrder: fromCart with an empty cart and items",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1 }], fromCart: true } }),
    "admin",
    BAD,
  ],
  ["placeOrder: fromCart with an empty cart", PLACE, { input: { fromCart: true } }, "admin", BAD],
  ["placeOrder: input null", PLACE, { input: null }, "member", BAD],
  ["placeOrder: input a string", PLACE, { input: "fromCart" }, "member", BAD],
  ["placeOrder: items a string", PLACE, { input: { items: "all of it" } }, "member", BAD],
  [
    "placeOrder: an unknown input field",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1 }], coupon: "FREE" } }),
    "member",
    BAD,
  ],
  ["placeOrder: $input left out", PLACE, {}, "member", BAD],

  // --- placeOrder: ids ------------------------------------------------------------------------
  ["placeOrder: unknown productId", PLACE, orderLine({ productId: UNKNOWN_ID }), "member", "NOT_FOUND"],
  ["placeOrder: unknown optionId", PLACE, orderLine({ optionId: UNKNOWN_ID }), "member", "NOT_FOUND"],
  [
    "placeOrder: an option of another product",
    PLACE,
    (x) => orderLine({ optionId: x.duo.options[0]!.id })(x),
    "member",
    "NOT_FOUND",
  ],
  [
    "placeOrder: no optionId for a two-option product",
    PLACE,
    (x) => orderLine({ productId: x.duo.id })(x),
    "member",
    BAD,
  ],
  ["placeOrder: productId 'abc'", PLACE, orderLine({ productId: "abc" }), "member", BAD],
  ["placeOrder: productId '-1'", PLACE, orderLine({ productId: "-1" }), "member", BAD],
  ["placeOrder: productId '1.5'", PLACE, orderLine({ productId: "1.5" }), "member", BAD],
  ["placeOrder: productId '0'", PLACE, orderLine({ productId: "0" }), "member", BAD],
  ["placeOrder: productId '01'", PLACE, orderLine({ productId: "01" }), "member", BAD],
  ["placeOrder: productId '1e3'", PLACE, orderLine({ productId: "1e3" }), "member", BAD],
  ["placeOrder: productId ' 1'", PLACE, orderLine({ productId: " 1" }), "member", BAD],
  ["placeOrder: productId of 20 digits", PLACE, orderLine({ productId: ID_20_DIGITS }), "member", BAD],
  [
    "placeOrder: productId '1; DROP TABLE orders'",
    PLACE,
    orderLine({ productId: "1; DROP TABLE orders" }),
    "member",
    BAD,
  ],
  ['placeOrder: productId "\' OR 1=1 --"', PLACE, orderLine({ productId: "' OR 1=1 --" }), "member", BAD],
  ["placeOrder: productId ''", PLACE, orderLine({ productId: "" }), "member", BAD],
  ["placeOrder: productId the number 1.5", PLACE, orderLine({ productId: 1.5 }), "member", BAD],
  ["placeOrder: productId the number 2^53", PLACE, orderLine({ productId: UNSAFE }), "member", BAD],
  ["placeOrder: productId true", PLACE, orderLine({ productId: true }), "member", BAD],
  ["placeOrder: productId null", PLACE, orderLine({ productId: null }), "member", BAD],
  ["placeOrder: optionId '1 OR 1=1'", PLACE, orderLine({ optionId: "1 OR 1=1" }), "member", BAD],

  // --- placeOrder: idempotencyKey ---------------------------------------------------------------
  [
    "placeOrder: idempotencyKey of 0 characters",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1 }], idempotencyKey: "" } }),
    "member",
    BAD,
  ],
  [
    "placeOrder: idempotencyKey of 256 characters",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1 }], idempotencyKey: "k".repeat(256) } }),
    "member",
    BAD,
  ],
  [
    "placeOrder: idempotencyKey of 1 MB",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1 }], idempotencyKey: MB } }),
    "member",
    BAD,
  ],
  [
    "placeOrder: idempotencyKey a number",
    PLACE,
    (x) => ({ input: { items: [{ productId: x.single.id, quantity: 1 }], idempotencyKey: 12345 } }),
    "member",
    BAD,
  ],

  // --- chargePoint ------------------------------------------------------------------------------
  ["chargePoint: without a token", CHARGE, { amount: 1000 }, "none", "UNAUTHENTICATED"],
  ["chargePoint: 0", CHARGE, { amount: 0 }, "member", BAD],
  ["chargePoint: -1", CHARGE, { amount: -1 }, "member", BAD],
  ["chargePoint: -2^53+1", CHARGE, { amount: -(2 ** 53) + 1 }, "member", BAD],
  ["chargePoint: 100,000,001", CHARGE, { amount: 100_000_001 }, "member", BAD],
  ["chargePoint: 2^31", CHARGE, { amount: INT_OVER }, "member", BAD],
  ["chargePoint: 2^53-1", CHARGE, { amount: 2 ** 53 - 1 }, "member", BAD],
  ["chargePoint: 2^53", CHARGE, { amount: UNSAFE }, "member", BAD],
  ["chargePoint: 1e21", CHARGE, { amount: 1e21 }, "member", BAD],
  ["chargePoint: 10.5", CHARGE, { amount: 10.5 }, "member", BAD],
  ["chargePoint: the string '1000'", CHARGE, { amount: "1000" }, "member", BAD],
  ["chargePoint: the string '9007199254740993'", CHARGE, { amount: "9007199254740993" }, "member", BAD],
  ["chargePoint: 'NaN'", CHARGE, { amount: "NaN" }, "member", BAD],
  ["chargePoint: '-Infinity'", CHARGE, { amount: "-Infinity" }, "member", BAD],
  ["chargePoint: true", CHARGE, { amount: true }, "member", BAD],
  ["chargePoint: null", CHARGE, { amount: null }, "member", BAD],
  ["chargePoint: [1000]", CHARGE, { amount: [1000] }, "member", BAD],
  ["chargePoint: { value: 1000 }", CHARGE, { amount: { value: 1000 } }, "member", BAD],
  ["chargePoint: 10.5 as a literal", `mutation { chargePoint(amount: 10.5) { balance } }`, {}, "member", VALIDATION],
  ["chargePoint: a string literal", `mutation { chargePoint(amount: "1000") { balance } }`, {}, "member", VALIDATION],
  [
    "chargePoint: 2^53 as a literal",
    `mutation { chargePoint(amount: 9007199254740992) { balance } }`,
    {},
    "member",
    VALIDATION,
  ],
  ["chargePoint: idempotencyKey of 0 characters", CHARGE, { amount: 1000, key: "" }, "member", BAD],
  ["chargePoint: idempotencyKey of 256 characters", CHARGE, { amount: 1000, key: "k".repeat(256) }, "member", BAD],
  ["chargePoint: idempotencyKey a list", CHARGE, { amount: 1000, key: ["a"] }, "member", BAD],

  // --- addCartItem ------------------------------------------------------------------------------
  ["addCartItem: without a token", ADD, cartAdd({}), "none", "UNAUTHENTICATED"],
  ["addCartItem: quantity 0", ADD, cartAdd({ quantity: 0 }), "member", BAD],
  ["addCartItem: quantity -5", ADD, cartAdd({ quantity: -5 }), "member", BAD],
  ["addCartItem: quantity 1001", ADD, cartAdd({ quantity: 1001 }), "member", BAD],
  ["addCartItem: quantity 2^31", ADD, cartAdd({ quantity: INT_OVER }), "member", BAD],
  ["addCartItem: quantity 0.5", ADD, cartAdd({ quantity: 0.5 }), "member", BAD],
  ["addCartItem: quantity '1'", ADD, cartAdd({ quantity: "1" }), "member", BAD],
  ["addCartItem: quantity false", ADD, cartAdd({ quantity: false }), "member", BAD],
  [
    "addCartItem: 2 more on a line of 999 (past 1000)",
    ADD,
    (x) => ({ input: { productId: x.single.id, quantity: 2 } }),
    "member",
    BAD,
  ],
  ["addCartItem: past the option's stock", ADD, cartAdd({ quantity: 5 }), "member", "INSUFFICIENT_STOCK"],
  ["addCartItem: unknown productId", ADD, { input: { productId: UNKNOWN_ID, quantity: 1 } }, "member", "NOT_FOUND"],
  [
    "addCartItem: an option of another product",
    ADD,
    (x) => ({ input: { productId: x.single.id, optionId: x.duo.options[0]!.id, quantity: 1 } }),
    "member",
    "NOT_FOUND",
  ],
  [
    "addCartItem: no optionId for a two-option product",
    ADD,
    (x) => ({ input: { productId: x.duo.id, quantity: 1 } }),
    "member",
    BAD,
  ],
  ["addCartItem: productId 'abc'", ADD, { input: { productId: "abc", quantity: 1 } }, "member", BAD],
  ["addCartItem: optionId '1e3'", ADD, cartAdd({ optionId: "1e3" }), "member", BAD],
  ["addCartItem: productId a list", ADD, { input: { productId: ["1"], quantity: 1 } }, "member", BAD],

  // --- updateCartItem ---------------------------------------------------------------------------
  ["updateCartItem: without a token", UPDATE, (x) => ({ id: x.cartDuoLineId, quantity: 2 }), "none", "UNAUTHENTICATED"],
  ["updateCartItem: quantity -1", UPDATE, (x) => ({ id: x.cartDuoLineId, quantity: -1 }), "member", BAD],
  ["updateCartItem: quantity 1001", UPDATE, (x) => ({ id: x.cartSingleLineId, quantity: 1001 }), "member", BAD],
  ["updateCartItem: quantity 2^31", UPDATE, (x) => ({ id: x.cartDuoLineId, quantity: INT_OVER }), "member", BAD],
  ["updateCartItem: quantity 1.5", UPDATE, (x) => ({ id: x.cartDuoLineId, quantity: 1.5 }), "member", BAD],
  ["updateCartItem: quantity null", UPDATE, (x) => ({ id: x.cartDuoLineId, quantity: null }), "member", BAD],
  [
    "updateCartItem: past the option's stock",
    UPDATE,
    (x) => ({ id: x.cartDuoLineId, quantity: 6 }),
    "member",
    "INSUFFICIENT_STOCK",
  ],
  ["updateCartItem: unknown line", UPDATE, { id: UNKNOWN_ID, quantity: 1 }, "member", "NOT_FOUND"],
  [
    "updateCartItem: another member's line",
    UPDATE,
    (x) => ({ id: x.cartDuoLineId, quantity: 2 }),
    "admin",
    "NOT_FOUND",
  ],
  ["updateCartItem: id 'abc'", UPDATE, { id: "abc", quantity: 1 }, "member", BAD],
  ["updateCartItem: id '1.5'", UPDATE, { id: "1.5", quantity: 1 }, "member", BAD],

  // --- removeCartItem ---------------------------------------------------------------------------
  ["removeCartItem: without a token", REMOVE, (x) => ({ id: x.cartDuoLineId }), "none", "UNAUTHENTICATED"],
  ["removeCartItem: unknown line", REMOVE, { id: UNKNOWN_ID }, "member", "NOT_FOUND"],
  ["removeCartItem: another member's line", REMOVE, (x) => ({ id: x.cartDuoLineId }), "admin", "NOT_FOUND"],
  ["removeCartItem: id '0'", REMOVE, { id: "0" }, "member", BAD],
  ["removeCartItem: id '1; DROP TABLE orders'", REMOVE, { id: "1; DROP TABLE orders" }, "member", BAD],
  ["removeCartItem: id a list", REMOVE, (x) => ({ id: [x.cartDuoLineId] }), "member", BAD],
  ["removeCartItem: id an object", REMOVE, (x) => ({ id: { id: x.cartDuoLineId } }), "member", BAD],

  // --- cancelOrderItem --------------------------------------------------------------------------
  ["cancelOrderItem: without a token", CANCEL_ITEM, (x) => ({ id: x.order.items[0]!.id }), "none", "UNAUTHENTICATED"],
  ["cancelOrderItem: another member's line", CANCEL_ITEM, (x) => ({ id: x.order.items[0]!.id }), "admin", "NOT_FOUND"],
  [
    "cancelOrderItem: a line already cancelled",
    CANCEL_ITEM,
    (x) => ({ id: x.cancelled.items[0]!.id }),
    "member",
    "NOT_CANCELLABLE",
  ],
  ["cancelOrderItem: unknown line", CANCEL_ITEM, { id: UNKNOWN_ID }, "member", "NOT_FOUND"],
  ["cancelOrderItem: id 'abc'", CANCEL_ITEM, { id: "abc" }, "member", BAD],
  ["cancelOrderItem: id '-1'", CANCEL_ITEM, { id: "-1" }, "member", BAD],
  ["cancelOrderItem: id of 20 digits", CANCEL_ITEM, { id: ID_20_DIGITS }, "member", BAD],
  [
    "cancelOrderItem: id with a trailing space",
    CANCEL_ITEM,
    (x) => ({ id: `${x.order.items[0]!.id} ` }),
    "member",
    BAD,
  ],
  ["cancelOrderItem: id null", CANCEL_ITEM, { id: null }, "member", BAD],

  // --- cancelOrder ------------------------------------------------------------------------------
  ["cancelOrder: without a token", CANCEL_ORDER, (x) => ({ id: x.order.id }), "none", "UNAUTHENTICATED"],
  ["cancelOrder: another member's order", CANCEL_ORDER, (x) => ({ id: x.order.id }), "admin", "NOT_FOUND"],
  [
    "cancelOrder: an order already cancelled",
    CANCEL_ORDER,
    (x) => ({ id: x.cancelled.id }),
    "member",
    "NOT_CANCELLABLE",
  ],
  ["cancelOrder: unknown order", CANCEL_ORDER, { id: UNKNOWN_ID }, "member", "NOT_FOUND"],
  ['cancelOrder: id "\' OR 1=1 --"', CANCEL_ORDER, { id: "' OR 1=1 --" }, "member", BAD],
  ["cancelOrder: id '01'", CANCEL_ORDER, { id: "01" }, "member", BAD],
  ["cancelOrder: id the number 1e21", CANCEL_ORDER, { id: 1e21 }, "member", BAD],
  ["cancelOrder: id false", CANCEL_ORDER, { id: false }, "member", BAD],

  // --- createProduct (ADMIN) --------------------------------------------------------------------
  // "<script>" is a valid product name (SPEC restricts nothing of the kind): refused here for the role only.
  ["createProduct: without a token", CREATE, product({ name: "<script>alert(1)</script>" }), "none", "UNAUTHENTICATED"],
  ["createProduct: by a member", CREATE, product({ name: "<script>alert(1)</script>" }), "member", "FORBIDDEN"],
  ["createProduct: an empty name", CREATE, product({ name: "" }), "admin", BAD],
  ["createProduct: a name of whitespace", CREATE, product({ name: " \t\n\u00a0\u3000 " }), "admin", BAD],
  ["createProduct: a 201-character name", CREATE, product({ name: "n".repeat(201) }), "admin", BAD],
  ["createProduct: a 1 MB name", CREATE, product({ name: MB }), "admin", BAD],
  ["createProduct: a NUL in the name", CREATE, product({ name: "Gim\u0000bap" }), "admin", BAD],
  ["createProduct: a newline in the name", CREATE, product({ name: "Gim\nbap" }), "admin", BAD],
  ["createProduct: a zero-width space in the name", CREATE, product({ name: "Gim\u200bbap" }), "admin", BAD],
  ["createProduct: an RTL override in the name", CREATE, product({ name: "\u202egpj.exe" }), "admin", BAD],
  ["createProduct: a lone surrogate in the name", CREATE, product({ name: "Gim\ud800bap" }), "admin", BAD],
  ["createProduct: a zero-width option name", CREATE, product({ options: [option("\u200b")] }), "admin", BAD],
  ["createProduct: price -1", CREATE, product({ price: -1 }), "admin", BAD],
  ["createProduct: price 1.5", CREATE, product({ price: 1.5 }), "admin", BAD],
  ["createProduct: price 2^53", CREATE, product({ price: UNSAFE }), "admin", BAD],
  ["createProduct: price 2^53-1", CREATE, product({ price: 2 ** 53 - 1 }), "admin", BAD],
  ["createProduct: price '1000'", CREATE, product({ price: "1000" }), "admin", BAD],
  ["createProduct: price true", CREATE, product({ price: true }), "admin", BAD],
  ["createProduct: price null", CREATE, product({ price: null }), "admin", BAD],
  ["createProduct: stock -1", CREATE, product({ stock: -1 }), "admin", BAD],
  ["createProduct: stock 2^31", CREATE, product({ stock: INT_OVER }), "admin", BAD],
  ["createProduct: stock 20,000,001", CREATE, product({ stock: 20_000_001 }), "admin", BAD],
  ["createProduct: stock and options", CREATE, product({ stock: 1, options: [option("A")] }), "admin", BAD],
  ["createProduct: an empty options list", CREATE, product({ options: [] }), "admin", BAD],
  [
    "createProduct: 101 options",
    CREATE,
    product({ options: Array.from({ length: 101 }, (_, i) => option(`O${i}`)) }),
    "admin",
    BAD,
  ],
  ["createProduct: an option priced below zero", CREATE, product({ options: [option("A", -1001)] }), "admin", BAD],
  [
    "createProduct: two options named alike",
    CREATE,
    product({ options: [option("Red"), option("RED")] }),
    "admin",
    BAD,
  ],
  ["createProduct: name an object", CREATE, product({ name: { en: "Gimbap" } }), "admin", BAD],
  ["createProduct: name a list", CREATE, product({ name: ["Gimbap"] }), "admin", BAD],
  [
    "createProduct: price 1.5 as a literal",
    `mutation { createProduct(input: { name: "x", price: 1.5 }) { id } }`,
    {},
    "admin",
    VALIDATION,
  ],

  // --- restock (ADMIN) --------------------------------------------------------------------------
  [
    "restock: without a token",
    RESTOCK,
    (x) => ({ id: x.single.options[0]!.id, quantity: 1 }),
    "none",
    "UNAUTHENTICATED",
  ],
  ["restock: by a member", RESTOCK, (x) => ({ id: x.single.options[0]!.id, quantity: 1 }), "member", "FORBIDDEN"],
  ["restock: quantity 0", RESTOCK, (x) => ({ id: x.single.options[0]!.id, quantity: 0 }), "admin", BAD],
  ["restock: quantity -1", RESTOCK, (x) => ({ id: x.single.options[0]!.id, quantity: -1 }), "admin", BAD],
  [
    "restock: quantity 20,000,001",
    RESTOCK,
    (x) => ({ id: x.single.options[0]!.id, quantity: 20_000_001 }),
    "admin",
    BAD,
  ],
  [
    "restock: past 20,000,000 in stock",
    RESTOCK,
    (x) => ({ id: x.single.options[0]!.id, quantity: 20_000_000 }),
    "admin",
    BAD,
  ],
  ["restock: quantity 2^31", RESTOCK, (x) => ({ id: x.single.options[0]!.id, quantity: INT_OVER }), "admin", BAD],
  ["restock: quantity '10'", RESTOCK, (x) => ({ id: x.single.options[0]!.id, quantity: "10" }), "admin", BAD],
  ["restock: unknown option", RESTOCK, { id: UNKNOWN_ID, quantity: 1 }, "admin", "NOT_FOUND"],
  ["restock: id 'abc'", RESTOCK, { id: "abc", quantity: 1 }, "admin", BAD],
  ["restock: id the number 2^53", RESTOCK, { id: UNSAFE, quantity: 1 }, "admin", BAD],

  // --- signUp -----------------------------------------------------------------------------------
  ["signUp: an empty loginId", SIGN_UP, signUp({ loginId: "" }), "none", BAD],
  ["signUp: a 3-character loginId", SIGN_UP, signUp({ loginId: "abc" }), "none", BAD],
  ["signUp: a 51-character loginId", SIGN_UP, signUp({ loginId: "l".repeat(51) }), "none", BAD],
  ['signUp: loginId "\' OR 1=1 --"', SIGN_UP, signUp({ loginId: "' OR 1=1 --" }), "none", BAD],
  [
    "signUp: loginId '<script>alert(1)</script>'",
    SIGN_UP,
    signUp({ loginId: "<script>alert(1)</script>" }),
    "none",
    BAD,
  ],
  ["signUp: an emoji loginId", SIGN_UP, signUp({ loginId: "corpus😀" }), "none", BAD],
  ["signUp: a loginId with a zero-width space", SIGN_UP, signUp({ loginId: "corpus\u200buser" }), "none", BAD],
  ["signUp: a taken loginId", SIGN_UP, signUp({ loginId: "corpus-member" }), "none", "CONFLICT"],
  [
    "signUp: a taken loginId in other case",
    SIGN_UP,
    signUp({ loginId: TEST_ADMIN.loginId.toUpperCase() }),
    "none",
    "CONFLICT",
  ],
  ["signUp: a 7-character password", SIGN_UP, signUp({ password: "1234567" }), "none", BAD],
  ["signUp: a 129-character password", SIGN_UP, signUp({ password: "p".repeat(129) }), "none", BAD],
  ["signUp: a 1 MB password", SIGN_UP, signUp({ password: MB }), "none", BAD],
  ["signUp: an empty nickname", SIGN_UP, signUp({ nickname: "" }), "none", BAD],
  ["signUp: a nickname of whitespace", SIGN_UP, signUp({ nickname: "   " }), "none", BAD],
  ["signUp: a 51-character nickname", SIGN_UP, signUp({ nickname: "n".repeat(51) }), "none", BAD],
  ["signUp: a 1 MB nickname", SIGN_UP, signUp({ nickname: MB }), "none", BAD],
  ["signUp: a nickname with a bell character", SIGN_UP, signUp({ nickname: "ding\u0007" }), "none", BAD],
  ["signUp: a nickname with an RTL override", SIGN_UP, signUp({ nickname: "\u202enimda" }), "none", BAD],
  ["signUp: a nickname with a zero-width joiner", SIGN_UP, signUp({ nickname: "a\u200db" }), "none", BAD],
  ["signUp: nickname null", SIGN_UP, signUp({ nickname: null }), "none", BAD],
  ["signUp: password a number", SIGN_UP, signUp({ password: 12345678 }), "none", BAD],
  ["signUp: input a list", SIGN_UP, { input: [] }, "none", BAD],

  // --- login ------------------------------------------------------------------------------------
  [
    "login: an unknown loginId",
    LOGIN,
    { loginId: "nobody-here", password: "correct-horse-battery" },
    "none",
    "UNAUTHENTICATED",
  ],
  [
    "login: a wrong password",
    LOGIN,
    { loginId: "corpus-member", password: "wrong-horse-battery" },
    "none",
    "UNAUTHENTICATED",
  ],
  ["login: SQL in both fields", LOGIN, { loginId: "' OR 1=1 --", password: "' OR '1'='1" }, "none", "UNAUTHENTICATED"],
  ["login: empty strings", LOGIN, { loginId: "", password: "" }, "none", "UNAUTHENTICATED"],
  ["login: a 1 MB password", LOGIN, { loginId: "corpus-member", password: MB }, "none", "UNAUTHENTICATED"],
  ["login: loginId null", LOGIN, { loginId: null, password: "correct-horse-battery" }, "none", BAD],
  ["login: password a number", LOGIN, { loginId: "corpus-member", password: 12345678 }, "none", BAD],

  // --- products(first, after) -------------------------------------------------------------------
  ["products: first 0", PRODUCTS, { first: 0 }, "none", BAD],
  ["products: first -1", PRODUCTS, { first: -1 }, "none", BAD],
  ["products: first 101", PRODUCTS, { first: 101 }, "none", BAD],
  ["products: first 2^31-1", PRODUCTS, { first: 2 ** 31 - 1 }, "none", BAD],
  ["products: first 2^31", PRODUCTS, { first: INT_OVER }, "none", BAD],
  ["products: first 1.5", PRODUCTS, { first: 1.5 }, "none", BAD],
  ["products: first '10'", PRODUCTS, { first: "10" }, "none", BAD],
  ["products: first true", PRODUCTS, { first: true }, "none", BAD],
  ["products: first as a string literal", `{ products(first: "10") { totalCount } }`, {}, "none", VALIDATION],
  ["products: after 'abc'", PRODUCTS, { after: "abc" }, "none", BAD],
  ["products: after ''", PRODUCTS, { after: "" }, "none", BAD],
  ["products: after a cursor of id 0", PRODUCTS, { after: cursor("id:0") }, "none", BAD],
  ["products: after a cursor of 20 digits", PRODUCTS, { after: cursor(`id:${ID_20_DIGITS}`) }, "none", BAD],
  ["products: after a cursor with SQL", PRODUCTS, { after: cursor("id:1 OR 1=1") }, "none", BAD],
  ["products: after of 1 MB", PRODUCTS, { after: MB }, "none", BAD],
  ["products: after a number", PRODUCTS, { after: 123 }, "none", BAD],

  // --- point.history(first) ---------------------------------------------------------------------
  ["point.history: without a token", HISTORY, { first: 10 }, "none", "UNAUTHENTICATED"],
  ["point.history: first 0", HISTORY, { first: 0 }, "member", BAD],
  ["point.history: first -5", HISTORY, { first: -5 }, "member", BAD],
  ["point.history: first 101", HISTORY, { first: 101 }, "member", BAD],
  ["point.history: first 2^31-1", HISTORY, { first: 2 ** 31 - 1 }, "member", BAD],
  ["point.history: first 2^31", HISTORY, { first: INT_OVER }, "member", BAD],

  // --- orders, order(id) ------------------------------------------------------------------------
  ["orders: without a token", ORDERS, {}, "none", "UNAUTHENTICATED"],
  ["orders: first 0", ORDERS, { first: 0 }, "member", BAD],
  ["orders: first 1000", ORDERS, { first: 1000 }, "member", BAD],
  ["orders: after 'garbage'", ORDERS, { after: "garbage" }, "member", BAD],
  ["order: without a token", ORDER, (x) => ({ id: x.order.id }), "none", "UNAUTHENTICATED"],
  ["order: another member's order", ORDER, (x) => ({ id: x.order.id }), "admin", "NOT_FOUND"],
  ["order: unknown id", ORDER, { id: UNKNOWN_ID }, "member", "NOT_FOUND"],
  ["order: id 'abc'", ORDER, { id: "abc" }, "member", BAD],
  ["order: id '1e3'", ORDER, { id: "1e3" }, "member", BAD],
  ["order: id 1.5", ORDER, { id: 1.5 }, "member", BAD],

  // --- product(id) ------------------------------------------------------------------------------
  ["product: unknown id (null, no error)", PRODUCT, { id: UNKNOWN_ID }, "none", null],
  ["product: id 'abc'", PRODUCT, { id: "abc" }, "none", BAD],
  ["product: id '0'", PRODUCT, { id: "0" }, "none", BAD],
  ["product: id '-1'", PRODUCT, { id: "-1" }, "none", BAD],
  ["product: id of 20 digits", PRODUCT, { id: ID_20_DIGITS }, "none", BAD],
  ["product: id the number 2^53", PRODUCT, { id: UNSAFE }, "none", BAD],
  ["product: id '<script>alert(1)</script>'", PRODUCT, { id: "<script>alert(1)</script>" }, "none", BAD],
  ["product: id left out", `{ product { id } }`, {}, "none", VALIDATION],

  // --- popularProducts(days, limit) ---------------------------------------------------------------
  ["popularProducts: days 0", POPULAR, { days: 0 }, "none", BAD],
  ["popularProducts: days 8", POPULAR, { days: 8 }, "none", BAD],
  ["popularProducts: days -1", POPULAR, { days: -1 }, "none", BAD],
  ["popularProducts: days 1.5", POPULAR, { days: 1.5 }, "none", BAD],
  ["popularProducts: days '3'", POPULAR, { days: "3" }, "none", BAD],
  ["popularProducts: limit 0", POPULAR, { limit: 0 }, "none", BAD],
  ["popularProducts: limit 21", POPULAR, { limit: 21 }, "none", BAD],
  ["popularProducts: limit 1,000,000", POPULAR, { limit: 1_000_000 }, "none", BAD],
  ["popularProducts: limit 2^31", POPULAR, { limit: INT_OVER }, "none", BAD],

  // --- malformed documents ----------------------------------------------------------------------
  ["document: cut short", `mutation { placeOrder(input: { items: [ } ) { id } }`, {}, "member", "GRAPHQL_PARSE_FAILED"],
  ["document: SQL instead of GraphQL", `DROP TABLE orders; --`, {}, "member", "GRAPHQL_PARSE_FAILED"],
  [
    "document: an unknown field beside a valid mutation",
    `mutation { clearCart { totalQuantity } dropTables }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "document: an unknown field selected",
    `mutation { chargePoint(amount: 1000) { balance secret } }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "document: two anonymous operations",
    `mutation { chargePoint(amount: 1000) { balance } } mutation { clearCart { totalQuantity } }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "document: a variable of the wrong type",
    `mutation ($input: String!) { placeOrder(input: $input) { id } }`,
    { input: "x" },
    "member",
    VALIDATION,
  ],
  [
    "document: an undeclared variable",
    `mutation { chargePoint(amount: $amount) { balance } }`,
    { amount: 1000 },
    "member",
    VALIDATION,
  ],
  ["document: a subscription", `subscription { orders { totalCount } }`, {}, "member", VALIDATION],
  [
    "document: 31 aliased charges",
    `mutation { ${Array.from({ length: 31 }, (_, i) => `c${i}: chargePoint(amount: 1) { balance }`).join(" ")} }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "document: 6 charges in one mutation",
    `mutation { ${Array.from({ length: 6 }, (_, i) => `c${i}: chargePoint(amount: 1) { balance }`).join(" ")} }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "document: 12 charges spread from a fragment",
    `mutation { ...F } fragment F on Mutation { ${Array.from({ length: 12 }, (_, i) => `c${i}: chargePoint(amount: 1) { balance }`).join(" ")} }`,
    {},
    "member",
    VALIDATION,
  ],
  [
    "document: 11 root fields in inline fragments",
    `{ ... { ${Array.from({ length: 11 }, (_, i) => `p${i}: products(first: 1) { totalCount }`).join(" ")} } }`,
    {},
    "none",
    VALIDATION,
  ],
  [
    "document: page sizes defaulting past the cost limit",
    `query ($n: Int = 100) { ${Array.from({ length: 9 }, (_, i) => `p${i}: products(first: $n) { nodes { options { id name price stock } } }`).join(" ")} }`,
    {},
    "none",
    VALIDATION,
  ],
  [
    "products: first 1,000,000 as a literal",
    `{ products(first: 1000000) { nodes { id name price stock } } }`,
    {},
    "none",
    BAD,
  ],
];

describe("bad input corpus", () => {
  it("has at least 60 cases with unique labels", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map(([label]) => label)).size).toBe(CASES.length);
  });

  it("snapshots every table of the app, fixture rows included, with the outbox settled", async () => {
    const snapshot = await snapshotDatabase(app.database.pool);
    expect(Object.keys(snapshot)).toEqual(expect.arrayContaining([...APP_TABLES]));
    expect(snapshot.orders).toHaveLength(2);
    expect(snapshot.order_item).toHaveLength(3);
    expect(snapshot.cart_item).toHaveLength(2);
    expect(snapshot.outbox!.length).toBeGreaterThan(0);
    expect(snapshot.outbox!.every((row) => row.published_at instanceof Date)).toBe(true);
    expect(snapshot.idempotency_key).toEqual([]);
  });

  it.each(CASES)("%s", async (_label, document, variables, token, expected) => {
    const pool = app.database.pool;
    const vars = typeof variables === "function" ? variables(f) : variables;
    const bearer = token === "member" ? f.member.token : token === "admin" ? f.admin : undefined;

    const before = await snapshotDatabase(pool);
    const response = await app.gql(document, vars, bearer ? { token: bearer } : {});
    const after = await snapshotDatabase(pool);

    const seen = JSON.stringify(response.errors ?? response.data).slice(0, 500);
    // Soft: a wrong code is reported, and the data check below still runs.
    expect.soft(errorCode(response), seen).toBe(expected ?? undefined);
    expect.soft(response.status, seen).toBeLessThan(500);
    if (response.data) {
      // No root field got an answer: a refused request is refused whole.
      expect
        .soft(
          Object.values(response.data).every((value) => value === null),
          seen,
        )
        .toBe(true);
    }
    expect(after).toEqual(before);
  });
});

describe("transport", () => {
  const post = (body: string) =>
    fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${f.admin}` },
      body,
    });

  it("refuses a body over 1 MB with HTTP 413, leaks no stack trace and changes nothing", async () => {
    const before = await snapshotDatabase(app.database.pool);
    const response = await post(JSON.stringify({ query: CREATE, variables: product({ name: "x".repeat(1_100_000) }) }));
    const text = await response.text();
    expect.soft(response.status).toBe(413);
    expect.soft(text).not.toMatch(/node_modules|\bat \S+ \(/);
    expect(await snapshotDatabase(app.database.pool)).toEqual(before);
  });

  it("refuses a body that is not JSON with HTTP 400, leaks no stack trace and changes nothing", async () => {
    const before = await snapshotDatabase(app.database.pool);
    const response = await post(`{"query": "mutation { chargePoint(amount: 1000) { balance } }"`);
    const text = await response.text();
    expect.soft(response.status).toBe(400);
    expect.soft(text).not.toMatch(/node_modules|\bat \S+ \(/);
    expect(await snapshotDatabase(app.database.pool)).toEqual(before);
  });
});
