import type { ObservableQuery } from "@apollo/client";
import { filter, firstValueFrom, map } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AddCartItemDocument,
  CancelOrderItemDocument,
  ConfirmPaymentDocument,
  PgClientConfigDocument,
  StartCheckoutDocument,
  CartDocument,
  ChargePointDocument,
  CombinedGraphQLErrors,
  CreateProductDocument,
  LoginDocument,
  MeDocument,
  OrderFieldsFragmentDoc,
  OrdersDocument,
  PlaceOrderDocument,
  PointDocument,
  PointHistoryDocument,
  PopularProductsDocument,
  ProductsDocument,
  RemoveCartItemDocument,
  RestockDocument,
  SignUpDocument,
  UpdateCartItemDocument,
  createShopClient,
  shopErrorCode,
  type CartFieldsFragment,
  type CreateProductInput,
  type OrderFieldsFragment,
  type ProductFieldsFragment,
  type ShopClient,
} from "../../sdk/index.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { checkPaymentInvariants } from "../helpers/payment-invariants.js";
import { TEST_ADMIN, startTestApp, type TestApp } from "../helpers/test-app.js";
import { rejectionOf } from "../helpers/thrown.js";

/*
 * The main end-to-end story: a shopper goes through the shop with the client SDK (a real Apollo Client
 * over HTTP, typed by codegen) against the real server, on a database of its own. The steps run in
 * order and build on each other, as a session would.
 */

let app: TestApp;
let pg: FakePgProcess;
let admin: ShopClient;
let shopper: ShopClient;
let baseline: Map<number, number>;
const catalog = new Map<string, ProductFieldsFragment>();

const CATALOG: CreateProductInput[] = [
  { name: "Kimchi", price: 8_000, stock: 50 },
  {
    name: "Hoodie",
    price: 39_000,
    options: [
      { name: "S", additionalPrice: 0, stock: 5 },
      { name: "M", additionalPrice: 0, stock: 5 },
      { name: "XL", additionalPrice: 3_000, stock: 2 },
    ],
  },
  { name: "Green tea", price: 4_500, stock: 100 },
  { name: "Mug", price: 12_000, stock: 20 },
  { name: "Socks", price: 3_000, stock: 200 },
];

const product = (name: string): ProductFieldsFragment => {
  const found = catalog.get(name);
  if (!found) throw new Error(`no product ${name} in the catalog`);
  return found;
};
const option = (productName: string, optionName: string) => {
  const found = product(productName).options.find((candidate) => candidate.name === optionName);
  if (!found) throw new Error(`no option ${optionName} of ${productName}`);
  return found;
};
const lineOf = (cart: CartFieldsFragment, optionId: string) => cart.items.find((item) => item.option.id === optionId);

/**
 * The first complete result of a watched query that passes `until`. Ask before calling fetchMore: its
 * promise resolves with the new page alone, and the watched query emits the merged list a moment later.
 */
function completeResult<TData>(
  query: ObservableQuery<TData>,
  until: (data: TData) => boolean = () => true,
): Promise<TData> {
  return firstValueFrom(
    query.pipe(
      filter((result): result is ObservableQuery.Result<TData, "complete"> => result.dataState === "complete"),
      map((result) => result.data),
      filter(until),
    ),
  );
}

const stockOf = async (optionId: string | undefined): Promise<number | undefined> => {
  const [rows] = await app.database.pool.query("SELECT quantity FROM stock WHERE option_id = ?", [optionId]);
  return (rows as Array<{ quantity: number }>)[0]?.quantity;
};

beforeAll(async () => {
  pg = await startFakePgProcess();
  app = await startTestApp("shop-story", pg.serviceEnv);
  const url = `${app.url}/graphql`;

  // The shop owner signs in and stocks the shelves.
  admin = createShopClient({ url });
  const { data: signedIn } = await admin.mutate({ mutation: LoginDocument, variables: TEST_ADMIN });
  await admin.setToken(signedIn.login.token);
  for (const input of CATALOG) {
    const { data } = await admin.mutate({ mutation: CreateProductDocument, variables: { input } });
    catalog.set(data.createProduct.name, data.createProduct);
  }
  const { data: restocked } = await admin.mutate({
    mutation: RestockDocument,
    variables: { optionId: option("Hoodie", "M").id, quantity: 5 },
  });
  expect(restocked.restock.stock).toBe(10);
  baseline = await stockBaseline(app.database.pool);

  shopper = createShopClient({ url });
});

afterAll(async () => {
  // Whatever the story did, money and stock add up.
  expect(await checkInvariants(app.database.pool, baseline)).toEqual([]);
  expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
  admin.stop();
  shopper.stop();
  await app.close();
  await pg.stop();
});

describe("a shopper's story, through the client SDK", () => {
  let memberId: string;
  let order: OrderFieldsFragment;

  it("signs up, and the client sends the new token from then on", async () => {
    const { data: anonymous } = await shopper.query({ query: MeDocument });
    expect(anonymous.me).toBeNull();

    const { data } = await shopper.mutate({
      mutation: SignUpDocument,
      variables: { input: { loginId: "story-shopper", password: "correct-horse-battery", nickname: "Min" } },
    });
    expect(data.signUp.member).toMatchObject({ loginId: "story-shopper", nickname: "Min", role: "MEMBER" });
    memberId = data.signUp.member.id;
    await shopper.setToken(data.signUp.token);

    const { data: me } = await shopper.query({ query: MeDocument });
    expect(me.me).toEqual({
      __typename: "Member",
      id: memberId,
      loginId: "story-shopper",
      nickname: "Min",
      role: "MEMBER",
    });
  });

  it("charges points once per idempotency key, and the cached Point follows the mutation", async () => {
    const { data: empty } = await shopper.query({ query: PointDocument });
    expect(empty.point.balance).toBe(0);

    const charge = { amount: 100_000, idempotencyKey: "story-charge-1" };
    const { data } = await shopper.mutate({ mutation: ChargePointDocument, variables: charge });
    expect(data.chargePoint.balance).toBe(100_000);
    // Point is a singleton in the cache: the query read before the charge now says the new balance.
    expect(shopper.readQuery({ query: PointDocument })?.point.balance).toBe(100_000);

    const { data: repeated } = await shopper.mutate({ mutation: ChargePointDocument, variables: charge });
    expect(repeated.chargePoint.balance).toBe(100_000);
  });

  it("browses the catalog page by page, fetchMore merging the pages into one cached list", async () => {
    const pages = shopper.watchQuery({ query: ProductsDocument, variables: { first: 2 } });
    const results: string[][] = [];
    const subscription = pages.subscribe((result) => {
      if (result.dataState === "complete") results.push(result.data.products.nodes.map((node) => node.name));
    });
    try {
      const first = await completeResult(pages);
      const wholeCatalog = completeResult(pages, (data) => data.products.nodes.length === first.products.totalCount);
      expect(first.products.totalCount).toBe(5);
      expect(first.products.nodes.map((node) => node.name)).toEqual(["Socks", "Mug"]);

      let pageInfo = first.products.pageInfo;
      while (pageInfo.hasNextPage) {
        const { data: next } = await pages.fetchMore({ variables: { after: pageInfo.endCursor } });
        expect(next.products.nodes.length).toBeLessThanOrEqual(2);
        pageInfo = next.products.pageInfo;
      }

      // Newest first, every page appended to the one before, edges and nodes alike.
      const everything = ["Socks", "Mug", "Green tea", "Hoodie", "Kimchi"];
      const merged = await wholeCatalog;
      expect(merged.products.nodes.map((node) => node.name)).toEqual(everything);
      expect(merged.products.edges.map((edge) => edge.node.name)).toEqual(everything);
      expect(results.at(-1)).toEqual(everything);

      // One cache entry for the list whatever `first`/`after` were, read back without the network.
      const cached = shopper.readQuery({ query: ProductsDocument, variables: { first: 2 } });
      expect(cached?.products.nodes.map((node) => node.name)).toEqual(everything);
      expect(Object.keys(shopper.cache.extract().ROOT_QUERY ?? {}).filter((key) => key.startsWith("products"))).toEqual(
        ["products"],
      );
      // Each option has its own price and live stock (the owner's restock included).
      const hoodie = cached?.products.nodes.find((node) => node.name === "Hoodie");
      expect(hoodie?.options.map(({ name, price, stock }) => ({ name, price, stock }))).toEqual([
        { name: "S", price: 39_000, stock: 5 },
        { name: "M", price: 39_000, stock: 10 },
        { name: "XL", price: 42_000, stock: 2 },
      ]);
    } finally {
      subscription.unsubscribe();
    }
  });

  it("fills the cart: the same option twice makes one line, then a change of quantity and a removal", async () => {
    const { data: empty } = await shopper.query({ query: CartDocument });
    expect(empty.cart).toMatchObject({ items: [], totalQuantity: 0, totalAmount: 0 });

    const hoodieM = option("Hoodie", "M");
    const add = (productName: string, quantity: number, optionId?: string) =>
      shopper.mutate({
        mutation: AddCartItemDocument,
        variables: { input: { productId: product(productName).id, optionId, quantity } },
      });

    await add("Hoodie", 1, hoodieM.id);
    const { data: twice } = await add("Hoodie", 2, hoodieM.id);
    expect(twice.addCartItem.items).toHaveLength(1);
    expect(lineOf(twice.addCartItem, hoodieM.id)).toMatchObject({ quantity: 3, lineTotal: 117_000 });

    // Kimchi has one option: it may be left out.
    const { data: withKimchi } = await add("Kimchi", 2);
    expect(withKimchi.addCartItem.totalQuantity).toBe(5);
    const hoodieLine = lineOf(withKimchi.addCartItem, hoodieM.id);
    const kimchiLine = lineOf(withKimchi.addCartItem, option("Kimchi", "Kimchi").id);
    if (!hoodieLine || !kimchiLine) throw new Error("both lines should be in the cart");

    const { data: updated } = await shopper.mutate({
      mutation: UpdateCartItemDocument,
      variables: { cartItemId: hoodieLine.id, quantity: 2 },
    });
    expect(lineOf(updated.updateCartItem, hoodieM.id)?.quantity).toBe(2);

    const { data: removed } = await shopper.mutate({
      mutation: RemoveCartItemDocument,
      variables: { cartItemId: kimchiLine.id },
    });
    expect(removed.removeCartItem.items.map((item) => item.product.name)).toEqual(["Hoodie"]);

    const { data: final } = await add("Green tea", 2);
    expect(final.addCartItem).toMatchObject({ totalQuantity: 4, totalAmount: 2 * 39_000 + 2 * 4_500 });

    // Cart is a singleton in the cache: the cart query read at the start shows every mutation's result.
    expect(shopper.readQuery({ query: CartDocument })?.cart).toEqual(final.addCartItem);
  });

  it("orders from the cart: the cart is emptied and the balance goes down by the total", async () => {
    const { data } = await shopper.mutate({ mutation: PlaceOrderDocument, variables: { input: { fromCart: true } } });
    order = data.placeOrder;
    expect(order.status).toBe("PAID");
    expect(order.totalAmount).toBe(87_000);
    expect(
      order.items.map(({ productName, optionName, unitPrice, quantity, status }) => ({
        productName,
        optionName,
        unitPrice,
        quantity,
        status,
      })),
    ).toEqual(
      expect.arrayContaining([
        { productName: "Hoodie", optionName: "M", unitPrice: 39_000, quantity: 2, status: "PAID" },
        { productName: "Green tea", optionName: "Green tea", unitPrice: 4_500, quantity: 2, status: "PAID" },
      ]),
    );
    expect(order.items).toHaveLength(2);

    const { data: cart } = await shopper.query({ query: CartDocument, fetchPolicy: "network-only" });
    expect(cart.cart).toMatchObject({ items: [], totalQuantity: 0, totalAmount: 0 });
    const { data: point } = await shopper.query({ query: PointDocument, fetchPolicy: "network-only" });
    expect(point.point.balance).toBe(100_000 - 87_000);
  });

  it("cancels one line: the order is partially cancelled and the refund is in the point history", async () => {
    const teaLine = order.items.find((item) => item.productName === "Green tea");
    if (!teaLine) throw new Error("the order should have a tea line");
    const { data } = await shopper.mutate({
      mutation: CancelOrderItemDocument,
      variables: { orderItemId: teaLine.id },
    });
    const cancelled = data.cancelOrderItem;
    expect(cancelled).toMatchObject({ id: order.id, status: "PARTIALLY_CANCELLED", refundedAmount: 9_000 });
    expect(cancelled.items.map((item) => [item.productName, item.status])).toEqual(
      expect.arrayContaining([
        ["Hoodie", "PAID"],
        ["Green tea", "CANCELLED"],
      ]),
    );

    // The order placed earlier is the same cache entry, now cancelled in part.
    const cachedOrder = shopper.readFragment({
      id: shopper.cache.identify({ __typename: "Order", id: order.id }),
      fragment: OrderFieldsFragmentDoc,
      fragmentName: "OrderFields",
    });
    expect(cachedOrder?.status).toBe("PARTIALLY_CANCELLED");

    // The history, newest first, two entries a page, merged by fetchMore.
    const history = shopper.watchQuery({ query: PointHistoryDocument, variables: { first: 2 } });
    const subscription = history.subscribe(() => undefined);
    try {
      const first = await completeResult(history);
      const wholeHistory = completeResult(
        history,
        (data) => data.point.history.nodes.length === first.point.history.totalCount,
      );
      expect(first.point.history.totalCount).toBe(3);
      expect(first.point.history.pageInfo.hasNextPage).toBe(true);
      await history.fetchMore({ variables: { after: first.point.history.pageInfo.endCursor } });
      const merged = (await wholeHistory).point;
      expect(merged.balance).toBe(22_000);
      expect(
        merged.history.nodes.map(({ type, amount, balanceAfter, orderId }) => ({
          type,
          amount,
          balanceAfter,
          orderId,
        })),
      ).toEqual([
        { type: "REFUND", amount: 9_000, balanceAfter: 22_000, orderId: order.id },
        { type: "USE", amount: 87_000, balanceAfter: 13_000, orderId: order.id },
        { type: "CHARGE", amount: 100_000, balanceAfter: 100_000, orderId: null },
      ]);
    } finally {
      subscription.unsubscribe();
    }
  });

  it("sees what sells: popularProducts answers before any worker ran, cancelled lines left out", async () => {
    // No worker runs in this file, so Redis holds no ranking (no build marker) and the answer comes
    // from SQL over the order lines; with a worker it would come from Redis, with the same numbers.
    const { data } = await shopper.query({ query: PopularProductsDocument, variables: { days: 3, limit: 5 } });
    expect(
      data.popularProducts.map(({ rank, soldQuantity, product: { name } }) => ({ rank, soldQuantity, name })),
    ).toEqual([{ rank: 1, soldQuantity: 2, name: "Hoodie" }]);
  });

  it("is refused an order beyond the balance: INSUFFICIENT_BALANCE through Apollo, nothing changed", async () => {
    const mug = product("Mug");
    const refusal = await rejectionOf(
      shopper.mutate({
        mutation: PlaceOrderDocument,
        variables: { input: { items: [{ productId: mug.id, quantity: 2 }] } },
      }),
    );
    // Apollo Client 4 throws a CombinedGraphQLErrors (ApolloError is gone) carrying the server's errors.
    expect(CombinedGraphQLErrors.is(refusal)).toBe(true);
    if (!CombinedGraphQLErrors.is(refusal)) return;
    expect(refusal.errors[0]?.extensions?.code).toBe("INSUFFICIENT_BALANCE");
    expect(refusal.errors[0]?.path).toEqual(["placeOrder"]);
    expect(shopErrorCode(refusal)).toBe("INSUFFICIENT_BALANCE");

    const { data: point } = await shopper.query({ query: PointDocument, fetchPolicy: "network-only" });
    expect(point.point.balance).toBe(22_000);
    const { data: orders } = await shopper.query({ query: OrdersDocument, fetchPolicy: "network-only" });
    expect(orders.orders.totalCount).toBe(1);
    expect(await stockOf(mug.options[0]?.id)).toBe(20);
  });

  it("places the same order twice with one idempotency key and gets the one order back", async () => {
    const input = { items: [{ productId: product("Socks").id, quantity: 3 }], idempotencyKey: "story-socks-1" };
    const { data: first } = await shopper.mutate({ mutation: PlaceOrderDocument, variables: { input } });
    const { data: again } = await shopper.mutate({ mutation: PlaceOrderDocument, variables: { input } });
    expect(again.placeOrder.id).toBe(first.placeOrder.id);
    expect(again.placeOrder).toEqual(first.placeOrder);

    const { data: point } = await shopper.query({ query: PointDocument, fetchPolicy: "network-only" });
    expect(point.point.balance).toBe(22_000 - 9_000);
    const { data: orders } = await shopper.query({
      query: OrdersDocument,
      variables: { first: 10 },
      fetchPolicy: "network-only",
    });
    expect(orders.orders.nodes.map((node) => node.id)).toEqual([first.placeOrder.id, order.id]);
  });

  it("pays by card and points through the PG's window, then a cancelled line goes back to the card at the PG", async () => {
    const { data: config } = await shopper.query({ query: PgClientConfigDocument });
    const { clientKey, sdkUrl, successUrl, failUrl } = config.pgClientConfig;
    const { data: started } = await shopper.mutate({
      mutation: StartCheckoutDocument,
      variables: {
        input: {
          items: [
            { productId: product("Mug").id, quantity: 1 },
            { productId: product("Green tea").id, quantity: 2 },
          ],
          pointAmount: 5_000,
        },
      },
    });
    const checkout = started.startCheckout;
    expect(checkout).toMatchObject({
      status: "PENDING",
      orderName: "Mug and 1 more",
      amount: 16_000,
      pointAmount: 5_000,
    });

    // The browser, as the SDK at sdkUrl would drive it: the PG's window on the PG's own origin, its
    // form, and the 303 back to the shop's success URL carrying paymentKey, orderId and amount.
    const pgOrigin = new URL(sdkUrl).origin;
    const windowQuery = new URLSearchParams({
      clientKey,
      orderId: checkout.pgOrderId,
      amount: String(checkout.amount),
      orderName: checkout.orderName,
      successUrl,
      failUrl,
    });
    const page = await fetch(`${pgOrigin}/pay?${windowQuery.toString()}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(checkout.orderName);
    const paid = await fetch(`${pgOrigin}/pay`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams([...windowQuery, ["action", "pay"]]).toString(),
      redirect: "manual",
    });
    expect(paid.status).toBe(303);
    const success = new URL(paid.headers.get("location") ?? "");
    expect(`${success.origin}${success.pathname}`).toBe(successUrl);

    const { data: confirmed } = await shopper.mutate({
      mutation: ConfirmPaymentDocument,
      variables: {
        paymentKey: success.searchParams.get("paymentKey") ?? "",
        pgOrderId: success.searchParams.get("orderId") ?? "",
        amount: Number(success.searchParams.get("amount")),
      },
    });
    const cardOrder = confirmed.confirmPayment.order;
    expect(confirmed.confirmPayment.status).toBe("PAID");
    expect(cardOrder?.payments).toEqual([
      { __typename: "Payment", method: "POINT", amount: 5_000, refundedAmount: 0 },
      { __typename: "Payment", method: "CARD", amount: 16_000, refundedAmount: 0 },
    ]);
    const mugLine = cardOrder?.items.find((item) => item.productName === "Mug");
    if (!mugLine) throw new Error("the card order should have a mug line");

    const { data: cancelled } = await shopper.mutate({
      mutation: CancelOrderItemDocument,
      variables: { orderItemId: mugLine.id },
    });
    expect(cancelled.cancelOrderItem).toMatchObject({ status: "PARTIALLY_CANCELLED", refundedAmount: 12_000 });
    expect(cancelled.cancelOrderItem.payments.map(({ method, refundedAmount }) => [method, refundedAmount])).toEqual([
      ["POINT", 0],
      ["CARD", 12_000],
    ]);
    // The worker's part (no worker runs in this file): the refund is sent to the PG, which gives it back.
    const paymentKey = success.searchParams.get("paymentKey") ?? "";
    expect(await app.services.pgRefunds.deliver(paymentKey)).toBe(0);
    expect((await pg.driver.payment(paymentKey)).body).toMatchObject({
      status: "PARTIAL_CANCELED",
      balanceAmount: 4_000,
    });
    const { data: point } = await shopper.query({ query: PointDocument, fetchPolicy: "network-only" });
    expect(point.point.balance).toBe(22_000 - 9_000 - 5_000);
  });
});
