import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ORDER_FIELDS,
  adminToken,
  balanceOf,
  chargePoints,
  createProduct,
  placeOrder,
  signUpMember,
  type OrderData,
  type SignedIn,
} from "../helpers/factories.js";
import { errorCode, expectData, type GraphQLResponse } from "../helpers/graphql.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * Concurrency proofs: real transactions racing on a real MariaDB through the real HTTP API. After
 * each race the invariant checker (wallets = ledgers, running balances, orders = lines = payments,
 * stock + sold unchanged) must find nothing.
 */
let app: TestApp;
let admin: string;
let baseline: Map<number, number>;

beforeAll(async () => {
  app = await startTestApp("order_races", { DB_POOL_SIZE: "40" });
  admin = await adminToken(app);
  baseline = await stockBaseline(app.database.pool);
});
afterAll(() => app.close());

/** Counts responses by outcome: "ok" or the error code. */
function outcomes(responses: ReadonlyArray<GraphQLResponse<unknown>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const response of responses) {
    const key = response.errors ? (errorCode(response) ?? "NO_CODE") : "ok";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function members(count: number, points: number): Promise<SignedIn[]> {
  const created = await Promise.all(Array.from({ length: count }, () => signUpMember(app)));
  await Promise.all(created.map((member) => chargePoints(app, member, points)));
  return created;
}

async function expectInvariantsHold(): Promise<void> {
  // New products added by a test join the baseline with their initial stock.
  const current = await stockBaseline(app.database.pool);
  for (const [optionId, total] of current) if (!baseline.has(optionId)) baseline.set(optionId, total);
  expect(await checkInvariants(app.database.pool, baseline)).toEqual([]);
}

describe("concurrent orders", () => {
  it("sells exactly the stock: 200 buyers race for 50 units, 150 get INSUFFICIENT_STOCK and nothing else", async () => {
    const product = await createProduct(app, admin, { name: "Flash sale", price: 1000, stock: 50 });
    baseline.set(Number(product.options[0]!.id), 50);
    const buyers = await members(40, 100_000);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        placeOrder(app, buyers[i % buyers.length]!, { items: [{ productId: product.id, quantity: 1 }] }),
      ),
    );
    expect(outcomes(responses)).toEqual({ ok: 50, INSUFFICIENT_STOCK: 150 });
    const [rows] = await app.database.pool.query("SELECT quantity FROM stock WHERE option_id = ?", [
      product.options[0]!.id,
    ]);
    expect(rows).toEqual([{ quantity: 0 }]);
    const [sold] = await app.database.pool.query(
      "SELECT CAST(SUM(quantity) AS SIGNED) AS sold FROM order_item WHERE option_id = ?",
      [product.options[0]!.id],
    );
    expect(sold).toEqual([{ sold: 50 }]);
    await expectInvariantsHold();
  });

  it("never overdraws: 100 orders worth more than the balance race 20 charges on one wallet", async () => {
    const product = await createProduct(app, admin, { name: "Balance race", price: 1000, stock: 10_000 });
    const [member] = await members(1, 30_000);
    const responses = await Promise.all([
      ...Array.from({ length: 100 }, () =>
        placeOrder(app, member!, { items: [{ productId: product.id, quantity: 1 }] }),
      ),
      ...Array.from({ length: 20 }, () =>
        app.gql(`mutation { chargePoint(amount: 500) { balance } }`, {}, { token: member!.token }),
      ),
    ]);
    const orderOutcomes = outcomes(responses.slice(0, 100));
    expect(outcomes(responses.slice(100))).toEqual({ ok: 20 });
    for (const outcome of Object.keys(orderOutcomes)) expect(["ok", "INSUFFICIENT_BALANCE"]).toContain(outcome);
    const spent = (orderOutcomes.ok ?? 0) * 1000;
    // 30,000 + 20 x 500 = 40,000 available in all: at most 40 orders can be paid.
    expect(spent).toBeLessThanOrEqual(40_000);
    expect(spent).toBeGreaterThanOrEqual(30_000);
    expect(await balanceOf(app, member!)).toBe(30_000 + 20 * 500 - spent);
    await expectInvariantsHold();
  });

  it("does not deadlock: orders listing the same two products in opposite orders all finish cleanly", async () => {
    const a = await createProduct(app, admin, { name: "Bait A", price: 100, stock: 150 });
    const b = await createProduct(app, admin, { name: "Bait B", price: 100, stock: 150 });
    const buyers = await members(20, 1_000_000);
    const responses = await Promise.all(
      Array.from({ length: 120 }, (_, i) => {
        const lines = [
          { productId: a.id, quantity: 1 },
          { productId: b.id, quantity: 2 },
        ];
        return placeOrder(app, buyers[i % buyers.length]!, { items: i % 2 === 0 ? lines : [...lines].reverse() });
      }),
    );
    const counts = outcomes(responses);
    // b runs out after 75 orders; every other order fails only for lack of stock.
    expect(counts).toEqual({ ok: 75, INSUFFICIENT_STOCK: 45 });
    await expectInvariantsHold();
  });

  it("refunds a line once when it is cancelled 10 times at once", async () => {
    const product = await createProduct(app, admin, { name: "Cancel race", price: 2500, stock: 10 });
    const [member] = await members(1, 10_000);
    const order = expectData(
      await placeOrder(app, member!, { items: [{ productId: product.id, quantity: 2 }] }),
    ).placeOrder;
    const cancel = `mutation ($id: ID!) { cancelOrderItem(orderItemId: $id) { ${ORDER_FIELDS} } }`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.gql<{ cancelOrderItem: OrderData }>(cancel, { id: order.items[0]!.id }, { token: member!.token }),
      ),
    );
    expect(outcomes(responses)).toEqual({ ok: 1, NOT_CANCELLABLE: 9 });
    expect(await balanceOf(app, member!)).toBe(10_000);
    const [refunds] = await app.database.pool.query(
      "SELECT COUNT(*) AS n FROM point_ledger WHERE type = 'REFUND' AND order_id = ?",
      [order.id],
    );
    expect(refunds).toEqual([{ n: 1 }]);
    await expectInvariantsHold();
  });

  it("places one order and charges once when the same idempotency key arrives 10 times at once", async () => {
    const product = await createProduct(app, admin, { name: "Double click", price: 4000, stock: 100 });
    const [member] = await members(1, 50_000);
    const input = { items: [{ productId: product.id, quantity: 3 }], idempotencyKey: "checkout-7f3a" };
    const responses = await Promise.all(Array.from({ length: 10 }, () => placeOrder(app, member!, input)));
    expect(outcomes(responses)).toEqual({ ok: 10 });
    const ids = new Set(responses.map((response) => expectData(response).placeOrder.id));
    expect(ids.size).toBe(1);
    expect(await balanceOf(app, member!)).toBe(50_000 - 12_000);
    const [orders] = await app.database.pool.query("SELECT COUNT(*) AS n FROM orders WHERE member_id = ?", [
      member!.memberId,
    ]);
    expect(orders).toEqual([{ n: 1 }]);

    const changed = await placeOrder(app, member!, { ...input, items: [{ productId: product.id, quantity: 4 }] });
    expect(errorCode(changed)).toBe("CONFLICT");
    await expectInvariantsHold();
  });
});
