import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ORDER_FIELDS,
  adminToken,
  balanceOf,
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
import { startTestApp, statementsDuring, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
let admin: string;
let gimbap: CreatedProduct;
let shirt: CreatedProduct;
let baseline: Map<number, number>;

beforeAll(async () => {
  app = await startTestApp("orders");
  admin = await adminToken(app);
  gimbap = await createProduct(app, admin, { name: "Gimbap", price: 3500, stock: 100 });
  shirt = await createProduct(app, admin, {
    name: "Shirt",
    price: 20000,
    options: [
      { name: "M", additionalPrice: 0, stock: 10 },
      { name: "XL", additionalPrice: 2000, stock: 3 },
    ],
  });
  baseline = await stockBaseline(app.database.pool);
});
afterAll(async () => {
  // Whatever the tests did, money and stock add up.
  expect(await checkInvariants(app.database.pool, baseline)).toEqual([]);
  await app.close();
});

async function richMember(points = 1_000_000): Promise<SignedIn> {
  const member = await signUpMember(app);
  await chargePoints(app, member, points);
  return member;
}

const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
const CANCEL_ITEM = `mutation ($id: ID!) { cancelOrderItem(orderItemId: $id) { ${ORDER_FIELDS} } }`;
const CANCEL_ORDER = `mutation ($id: ID!) { cancelOrder(orderId: $id) { ${ORDER_FIELDS} } }`;
const HISTORY = `{ point { balance history(first: 10) { nodes { type amount balanceAfter orderId } } } }`;

const stockOf = async (optionId: string): Promise<number> => {
  const [rows] = await app.database.pool.query("SELECT quantity FROM stock WHERE option_id = ?", [optionId]);
  return (rows as Array<{ quantity: number }>)[0]!.quantity;
};

describe("placeOrder", () => {
  it("pays from points, takes stock, snapshots names and prices, merges lines of the same option", async () => {
    const member = await richMember(100_000);
    const xl = shirt.options[1]!;
    const before = { gimbap: await stockOf(gimbap.options[0]!.id), xl: await stockOf(xl.id) };
    const order = expectData(
      await placeOrder(app, member, {
        items: [
          { productId: gimbap.id, quantity: 2 },
          { productId: shirt.id, optionId: xl.id, quantity: 1 },
          { productId: gimbap.id, quantity: 1 },
        ],
      }),
    ).placeOrder;
    expect(order.status).toBe("PAID");
    expect(order.totalAmount).toBe(3 * 3500 + 22000);
    expect(
      order.items.map(({ productName, optionName, unitPrice, quantity, amount, status }) => ({
        productName,
        optionName,
        unitPrice,
        quantity,
        amount,
        status,
      })),
    ).toEqual([
      { productName: "Gimbap", optionName: "Gimbap", unitPrice: 3500, quantity: 3, amount: 10500, status: "PAID" },
      { productName: "Shirt", optionName: "XL", unitPrice: 22000, quantity: 1, amount: 22000, status: "PAID" },
    ]);
    expect(await stockOf(gimbap.options[0]!.id)).toBe(before.gimbap - 3);
    expect(await stockOf(xl.id)).toBe(before.xl - 1);
    expect(await balanceOf(app, member)).toBe(100_000 - 32500);

    const history = expectData(
      await app.gql<{ point: { history: { nodes: unknown[] } } }>(HISTORY, {}, { token: member.token }),
    ).point.history.nodes;
    expect(history[0]).toEqual({ type: "USE", amount: 32500, balanceAfter: 67500, orderId: order.id });

    const [payments] = await app.database.pool.query(
      "SELECT method, amount, refunded_amount FROM payment WHERE order_id = ?",
      [order.id],
    );
    expect(payments).toEqual([{ method: "POINT", amount: 32500, refunded_amount: 0 }]);
    const [events] = await app.database.pool.query("SELECT type, payload FROM outbox WHERE aggregate_id = ?", [
      order.id,
    ]);
    const [event] = events as Array<{ type: string; payload: string | Record<string, unknown> }>;
    expect(event!.type).toBe("ORDER_PAID");
    const payload = (typeof event!.payload === "string" ? JSON.parse(event!.payload) : event!.payload) as {
      order: { items: unknown[] };
    };
    expect(payload).toMatchObject({
      type: "ORDER_PAID",
      order: { id: order.id, memberId: member.memberId, totalAmount: 32500 },
    });
    expect(payload.order.items).toHaveLength(2);
  });

  it("orders the whole cart and empties it in the same transaction", async () => {
    const member = await richMember();
    const add = `mutation ($input: AddCartItemInput!) { addCartItem(input: $input) { totalAmount } }`;
    expectData(await app.gql(add, { input: { productId: gimbap.id, quantity: 2 } }, { token: member.token }));
    expectData(
      await app.gql(
        add,
        { input: { productId: shirt.id, optionId: shirt.options[0]!.id, quantity: 1 } },
        { token: member.token },
      ),
    );
    const order = expectData(await placeOrder(app, member, { fromCart: true })).placeOrder;
    expect(order.totalAmount).toBe(7000 + 20000);
    const cart = expectData(
      await app.gql<{ cart: { items: unknown[] } }>(`{ cart { items { id } } }`, {}, { token: member.token }),
    ).cart;
    expect(cart.items).toEqual([]);
    expect(errorCode(await placeOrder(app, member, { fromCart: true }))).toBe("BAD_USER_INPUT");
  });

  it("changes nothing when one line lacks stock, and names the short option", async () => {
    const member = await richMember();
    const xl = shirt.options[1]!;
    const available = await stockOf(xl.id);
    const before = await stockOf(gimbap.options[0]!.id);
    const refused = await placeOrder(app, member, {
      items: [
        { productId: gimbap.id, quantity: 1 },
        { productId: shirt.id, optionId: xl.id, quantity: available + 1 },
      ],
    });
    expect(errorCode(refused)).toBe("INSUFFICIENT_STOCK");
    expect(refused.errors![0]!.extensions).toMatchObject({
      productId: shirt.id,
      optionId: xl.id,
      available,
      requested: available + 1,
    });
    expect(await stockOf(gimbap.options[0]!.id)).toBe(before);
    expect(await balanceOf(app, member)).toBe(1_000_000);
  });

  it("changes nothing when the balance is short, and says by how much", async () => {
    const member = await richMember(5000);
    const before = await stockOf(gimbap.options[0]!.id);
    const refused = await placeOrder(app, member, { items: [{ productId: gimbap.id, quantity: 2 }] });
    expect(errorCode(refused)).toBe("INSUFFICIENT_BALANCE");
    expect(refused.errors![0]!.extensions).toMatchObject({ balance: 5000, required: 7000, shortfall: 2000 });
    expect(await stockOf(gimbap.options[0]!.id)).toBe(before);
    expect(await balanceOf(app, member)).toBe(5000);
  });

  it("gives each of many orders placed at once its own lines, payment and ledger entry, also when they share a transaction", async () => {
    const bowl = await createProduct(app, admin, { name: "Bowl", price: 1000, stock: 1000 });
    const members = [await richMember(100_000), await richMember(100_000), await richMember(20_000)];
    // Member i orders i+1 gimbaps and a bowl, eight times; the third member can pay for one order only.
    const requests = Array.from({ length: 24 }, (_, index) => ({ member: index % 3, units: (index % 3) + 1 }));
    const answers = await Promise.all(
      requests.map(({ member, units }) =>
        placeOrder(app, members[member]!, {
          items: [
            { productId: gimbap.id, quantity: units },
            { productId: bowl.id, quantity: 1 },
          ],
        }),
      ),
    );
    expect(answers.filter((answer) => answer.errors).map(errorCode)).toEqual(
      Array.from({ length: 7 }, () => "INSUFFICIENT_BALANCE"),
    );
    const placed = answers.flatMap((answer, index) =>
      answer.errors ? [] : [{ order: expectData(answer).placeOrder, units: requests[index]!.units }],
    );
    for (const { order, units } of placed) {
      expect(order.items.map(({ productName, quantity }) => [productName, quantity])).toEqual([
        ["Gimbap", units],
        ["Bowl", 1],
      ]);
      expect(order.totalAmount).toBe(units * 3500 + 1000);
    }
    // The answers' ids are the rows' ids: each order owns its lines, one payment of its total, one USE entry.
    const [rows] = await app.database.pool.query<RowDataPacket[]>(
      `SELECT o.id, o.total_amount AS total, o.created_at AS createdAt,
              (SELECT GROUP_CONCAT(i.id ORDER BY i.id) FROM order_item i WHERE i.order_id = o.id) AS itemIds,
              (SELECT SUM(p.amount) FROM payment p WHERE p.order_id = o.id) AS paid,
              (SELECT COUNT(*) FROM point_ledger l WHERE l.order_id = o.id AND l.type = 'USE' AND l.amount = o.total_amount) AS uses
         FROM orders o WHERE o.id IN (?)`,
      [placed.map(({ order }) => order.id)],
    );
    const byId = new Map(rows.map((row) => [String(row.id), row]));
    for (const { order } of placed) {
      const row = byId.get(order.id)!;
      expect(row.itemIds).toBe(order.items.map((item) => item.id).join(","));
      expect([Number(row.total), Number(row.paid), Number(row.uses)]).toEqual([
        order.totalAmount,
        order.totalAmount,
        1,
      ]);
    }
    // Orders committed together share their payment time: some of these did share a transaction.
    const times = rows.map((row) => (row.createdAt as Date).getTime());
    expect(new Set(times).size).toBeLessThan(times.length);
    expect(await stockOf(bowl.options[0]!.id)).toBe(1000 - 17);
    expect(await Promise.all(members.map((member) => balanceOf(app, member)))).toEqual([
      100_000 - 8 * 4500,
      100_000 - 8 * 8000,
      20_000 - 11_500,
    ]);
  });

  it.each([
    ["neither items nor fromCart", () => ({}), "BAD_USER_INPUT"],
    [
      "both items and fromCart",
      () => ({ items: [{ productId: gimbap.id, quantity: 1 }], fromCart: true }),
      "BAD_USER_INPUT",
    ],
    ["no lines", () => ({ items: [] }), "BAD_USER_INPUT"],
    [
      "101 lines",
      () => ({ items: Array.from({ length: 101 }, () => ({ productId: gimbap.id, quantity: 1 })) }),
      "BAD_USER_INPUT",
    ],
    ["quantity 0", () => ({ items: [{ productId: gimbap.id, quantity: 0 }] }), "BAD_USER_INPUT"],
    ["quantity 1001", () => ({ items: [{ productId: gimbap.id, quantity: 1001 }] }), "BAD_USER_INPUT"],
    [
      "two lines merging past 1000",
      () => ({
        items: [
          { productId: gimbap.id, quantity: 600 },
          { productId: gimbap.id, quantity: 600 },
        ],
      }),
      "BAD_USER_INPUT",
    ],
    [
      "no optionId for a product with options",
      () => ({ items: [{ productId: shirt.id, quantity: 1 }] }),
      "BAD_USER_INPUT",
    ],
    [
      "an option of another product",
      () => ({ items: [{ productId: gimbap.id, optionId: shirt.options[0]!.id, quantity: 1 }] }),
      "NOT_FOUND",
    ],
    ["an unknown product", () => ({ items: [{ productId: "987654", quantity: 1 }] }), "NOT_FOUND"],
    ["a malformed id", () => ({ items: [{ productId: "1; DROP TABLE orders", quantity: 1 }] }), "BAD_USER_INPUT"],
  ])("refuses %s and changes nothing", async (_label, input, code) => {
    const member = await richMember();
    const before = await stockBaseline(app.database.pool);
    expect(errorCode(await placeOrder(app, member, input()))).toBe(code);
    expect(await stockBaseline(app.database.pool)).toEqual(before);
    expect(await balanceOf(app, member)).toBe(1_000_000);
  });
});

describe("cancellation", () => {
  it("cancels one line: stock back, REFUND entry, order PARTIALLY_CANCELLED, the other line stays paid", async () => {
    const member = await richMember(100_000);
    const order = expectData(
      await placeOrder(app, member, {
        items: [
          { productId: gimbap.id, quantity: 2 },
          { productId: shirt.id, optionId: shirt.options[0]!.id, quantity: 1 },
        ],
      }),
    ).placeOrder;
    const gimbapLine = order.items.find((item) => item.productName === "Gimbap")!;
    const stockBefore = await stockOf(gimbap.options[0]!.id);

    const after = expectData(
      await app.gql<{ cancelOrderItem: OrderData }>(CANCEL_ITEM, { id: gimbapLine.id }, { token: member.token }),
    ).cancelOrderItem;
    expect(after.status).toBe("PARTIALLY_CANCELLED");
    expect(after.refundedAmount).toBe(7000);
    expect(Object.fromEntries(after.items.map((item) => [item.productName, item.status]))).toEqual({
      Gimbap: "CANCELLED",
      Shirt: "PAID",
    });
    expect(await stockOf(gimbap.options[0]!.id)).toBe(stockBefore + 2);
    expect(await balanceOf(app, member)).toBe(100_000 - 27000 + 7000);

    const again = await app.gql(CANCEL_ITEM, { id: gimbapLine.id }, { token: member.token });
    expect(errorCode(again)).toBe("NOT_CANCELLABLE");
    expect(await balanceOf(app, member)).toBe(80_000);

    const whole = expectData(
      await app.gql<{ cancelOrder: OrderData }>(CANCEL_ORDER, { id: order.id }, { token: member.token }),
    ).cancelOrder;
    expect(whole.status).toBe("CANCELLED");
    expect(whole.refundedAmount).toBe(27000);
    expect(await balanceOf(app, member)).toBe(100_000);
    expect(errorCode(await app.gql(CANCEL_ORDER, { id: order.id }, { token: member.token }))).toBe("NOT_CANCELLABLE");

    const [events] = await app.database.pool.query("SELECT type FROM outbox WHERE aggregate_id = ? ORDER BY id", [
      order.id,
    ]);
    expect((events as Array<{ type: string }>).map((e) => e.type)).toEqual([
      "ORDER_PAID",
      "ORDER_ITEM_CANCELLED",
      "ORDER_ITEM_CANCELLED",
    ]);
  });

  it("treats another member's order and line as NOT_FOUND and changes nothing", async () => {
    const owner = await richMember();
    const intruder = await richMember();
    const order = expectData(
      await placeOrder(app, owner, { items: [{ productId: gimbap.id, quantity: 1 }] }),
    ).placeOrder;
    expect(errorCode(await app.gql(ORDER, { id: order.id }, { token: intruder.token }))).toBe("NOT_FOUND");
    expect(errorCode(await app.gql(CANCEL_ITEM, { id: order.items[0]!.id }, { token: intruder.token }))).toBe(
      "NOT_FOUND",
    );
    expect(errorCode(await app.gql(CANCEL_ORDER, { id: order.id }, { token: intruder.token }))).toBe("NOT_FOUND");
    expect(
      expectData(await app.gql<{ order: OrderData }>(ORDER, { id: order.id }, { token: owner.token })).order.status,
    ).toBe("PAID");
    expect(await balanceOf(app, intruder)).toBe(1_000_000);
  });
});

describe("orders", () => {
  it("lists the caller's orders newest first with their items, in a constant number of statements", async () => {
    const member = await richMember();
    const placed: string[] = [];
    for (let i = 0; i < 5; i += 1)
      placed.push(
        expectData(
          await placeOrder(app, member, {
            items: [
              { productId: gimbap.id, quantity: 1 },
              { productId: shirt.id, optionId: shirt.options[0]!.id, quantity: 1 },
            ],
          }),
        ).placeOrder.id,
      );
    const query = `query ($first: Int, $after: String) { orders(first: $first, after: $after) {
      totalCount nodes { id items { productName product { name } option { name } } } pageInfo { hasNextPage endCursor } } }`;
    // The outbox relay publishes each order's event in the background, through the same counter.
    await waitUntilPublished();
    const { result: page, statements } = await statementsDuring(
      app,
      async () =>
        expectData(
          await app.gql<{
            orders: {
              totalCount: number;
              nodes: Array<{ id: string; items: unknown[] }>;
              pageInfo: { hasNextPage: boolean; endCursor: string };
            };
          }>(query, { first: 3 }, { token: member.token }),
        ).orders,
    );
    // orders page, count, items of all orders, products, options
    expect(statements).toBe(5);
    expect(page.totalCount).toBe(5);
    expect(page.nodes.map((node) => node.id)).toEqual(placed.slice(-3).reverse());
    expect(page.nodes.every((node) => node.items.length === 2)).toBe(true);
    const next = expectData(
      await app.gql<{ orders: { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean } } }>(
        query,
        { first: 3, after: page.pageInfo.endCursor },
        { token: member.token },
      ),
    ).orders;
    expect(next.nodes.map((node) => node.id)).toEqual(placed.slice(0, 2).reverse());
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  it("needs a member", async () => {
    expect(errorCode(await app.gql(`{ orders { totalCount } }`))).toBe("UNAUTHENTICATED");
    expect(errorCode(await app.gql(`mutation { placeOrder(input: { fromCart: true }) { id } }`))).toBe(
      "UNAUTHENTICATED",
    );
  });
});

/** Until the outbox relay has published every event (its statements would count with the page's). */
async function waitUntilPublished(): Promise<void> {
  for (let tries = 0; tries < 100; tries += 1) {
    const [rows] = await app.database.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL",
    );
    if (Number(rows[0]!.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the outbox relay did not publish within 5 s");
}

describe("free products", () => {
  it("can be ordered, alone or beside paid lines, and cancelled, with no ledger entry for nothing", async () => {
    const freebie = await createProduct(app, admin, { name: "Sample", price: 0, stock: 10 });
    const member = await richMember(10_000);
    const alone = expectData(
      await placeOrder(app, member, { items: [{ productId: freebie.id, quantity: 2 }] }),
    ).placeOrder;
    expect(alone).toMatchObject({ status: "PAID", totalAmount: 0 });
    expect(await balanceOf(app, member)).toBe(10_000);
    const mixed = expectData(
      await placeOrder(app, member, {
        items: [
          { productId: freebie.id, quantity: 1 },
          { productId: gimbap.id, quantity: 1 },
        ],
        idempotencyKey: "free-and-paid",
      }),
    ).placeOrder;
    expect(mixed.totalAmount).toBe(3500);
    expect(await balanceOf(app, member)).toBe(6_500);

    const cancelledFree = expectData(
      await app.gql<{ cancelOrderItem: OrderData }>(CANCEL_ITEM, { id: alone.items[0]!.id }, { token: member.token }),
    ).cancelOrderItem;
    expect(cancelledFree).toMatchObject({ status: "CANCELLED", refundedAmount: 0 });
    const freeLine = mixed.items.find((item) => item.product.id === freebie.id)!;
    const partly = expectData(
      await app.gql<{ cancelOrderItem: OrderData }>(CANCEL_ITEM, { id: freeLine.id }, { token: member.token }),
    ).cancelOrderItem;
    expect(partly).toMatchObject({ status: "PARTIALLY_CANCELLED", refundedAmount: 0 });
    expect(await stockOf(freebie.options[0]!.id)).toBe(10);

    const history = expectData(
      await app.gql<{ point: { history: { nodes: Array<{ type: string; amount: number }> } } }>(
        HISTORY,
        {},
        { token: member.token },
      ),
    ).point.history.nodes;
    expect(history.map((entry) => [entry.type, entry.amount])).toEqual([
      ["USE", 3500],
      ["CHARGE", 10_000],
    ]);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });
});
