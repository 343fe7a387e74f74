import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/shared/errors.js";
import { adminToken, createProduct, signUpMember, type CreatedProduct } from "../helpers/factories.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * Property: whatever members do, in whatever interleaving, money and stock add up. Random sequences
 * of charges, cart changes, orders (of lines or of the cart), cancellations and restocks run in
 * concurrent lanes against the real services and MariaDB; after each run the invariant checker must
 * find nothing. Business refusals (INSUFFICIENT_STOCK, NOT_CANCELLABLE...) are fine; anything that is
 * not a DomainError is a failure. FUZZ_RUNS raises the number of runs (default: a few thousand ops).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 36);
const LANES = 6;

type Op =
  | { kind: "charge"; member: number; amount: number }
  | { kind: "addToCart"; member: number; product: number; quantity: number }
  | { kind: "order"; member: number; lines: Array<{ product: number; quantity: number }> }
  | { kind: "orderCart"; member: number }
  | { kind: "cancelItem"; member: number; pick: number }
  | { kind: "cancelOrder"; member: number; pick: number }
  | { kind: "restock"; product: number; quantity: number };

const MEMBERS = 6;
const PRODUCTS = 5;
const member = fc.integer({ min: 0, max: MEMBERS - 1 });
const product = fc.integer({ min: 0, max: PRODUCTS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("charge" as const), member, amount: fc.integer({ min: 1, max: 50_000 }) }),
  fc.record({ kind: fc.constant("addToCart" as const), member, product, quantity: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant("order" as const),
    member,
    lines: fc.array(fc.record({ product, quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant("orderCart" as const), member }),
  fc.record({ kind: fc.constant("cancelItem" as const), member, pick: fc.nat(20) }),
  fc.record({ kind: fc.constant("cancelOrder" as const), member, pick: fc.nat(10) }),
  fc.record({ kind: fc.constant("restock" as const), product, quantity: fc.integer({ min: 1, max: 10 }) }),
);

let app: TestApp;
let products: CreatedProduct[];
let memberIds: number[];

beforeAll(async () => {
  app = await startTestApp("fuzz", { RATE_LIMIT_MUTATION_BURST: "100000" });
  const admin = await adminToken(app);
  products = await Promise.all(
    Array.from({ length: PRODUCTS }, (_, i) =>
      createProduct(
        app,
        admin,
        i % 2 === 0
          ? { name: `Fuzz ${i}`, price: 500 + i * 700, stock: 15 }
          : {
              name: `Fuzz ${i}`,
              price: 300,
              options: [
                { name: "A", additionalPrice: 0, stock: 8 },
                { name: "B", additionalPrice: 250, stock: 8 },
              ],
            },
      ),
    ),
  );
  memberIds = (await Promise.all(Array.from({ length: MEMBERS }, () => signUpMember(app)))).map((signedIn) =>
    Number(signedIn.memberId),
  );
});
afterAll(() => app.close());

async function pickRow(sql: string, params: unknown[]): Promise<number | undefined> {
  const [rows] = await app.database.pool.query(sql, params);
  return (rows as Array<{ id: number }>)[0]?.id;
}

/** Runs one operation; restocks are tallied per option, as they move the stock baseline. */
async function run(operation: Op, restocked: Map<number, number>): Promise<void> {
  const { orders, points, carts, catalog } = app.services;
  switch (operation.kind) {
    case "charge":
      await points.chargePoints(memberIds[operation.member]!, operation.amount);
      return;
    case "addToCart": {
      const target = products[operation.product]!;
      return carts.addItem(memberIds[operation.member]!, {
        productId: Number(target.id),
        optionId: Number(target.options.at(-1)!.id),
        quantity: operation.quantity,
      });
    }
    case "order":
      await orders.placeOrder(memberIds[operation.member]!, {
        items: operation.lines.map((line) => ({
          productId: Number(products[line.product]!.id),
          optionId: Number(products[line.product]!.options[0]!.id),
          quantity: line.quantity,
        })),
      });
      return;
    case "orderCart":
      await orders.placeOrder(memberIds[operation.member]!, { fromCart: true });
      return;
    case "cancelItem": {
      const id = await pickRow(
        "SELECT i.id FROM order_item i JOIN orders o ON o.id = i.order_id WHERE o.member_id = ? ORDER BY i.id LIMIT 1 OFFSET ?",
        [memberIds[operation.member], operation.pick],
      );
      if (id !== undefined) await orders.cancelOrderItem(memberIds[operation.member]!, id);
      return;
    }
    case "cancelOrder": {
      const id = await pickRow("SELECT id FROM orders WHERE member_id = ? ORDER BY id LIMIT 1 OFFSET ?", [
        memberIds[operation.member],
        operation.pick,
      ]);
      if (id !== undefined) await orders.cancelOrder(memberIds[operation.member]!, id);
      return;
    }
    case "restock": {
      const optionId = Number(products[operation.product]!.options[0]!.id);
      await catalog.restock(optionId, operation.quantity);
      restocked.set(optionId, (restocked.get(optionId) ?? 0) + operation.quantity);
      return;
    }
  }
}

describe("random operation sequences, concurrently", () => {
  it(`keep every invariant (${RUNS} runs)`, async () => {
    const tally = { operations: 0, refused: 0, violations: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 60, maxLength: 250 }), async (operations) => {
        const baseline = await stockBaseline(app.database.pool);
        const restocked = new Map<number, number>();
        const lanes = Array.from({ length: LANES }, (_, lane) =>
          operations.filter((_, index) => index % LANES === lane),
        );
        const unexpected: unknown[] = [];
        await Promise.all(
          lanes.map(async (lane) => {
            for (const operation of lane) {
              tally.operations += 1;
              try {
                await run(operation, restocked);
              } catch (error) {
                if (error instanceof DomainError) tally.refused += 1;
                else unexpected.push(error);
              }
            }
          }),
        );
        for (const [optionId, units] of restocked) baseline.set(optionId, (baseline.get(optionId) ?? 0) + units);
        const violations = await checkInvariants(app.database.pool, baseline);
        tally.violations += violations.length;
        expect(unexpected).toEqual([]);
        expect(violations).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    console.info(
      `fuzz: ${tally.operations} operations, ${tally.refused} refused by business rules, ${tally.violations} invariant violations`,
    );
    expect(tally.violations).toBe(0);
  }, 300_000);
});
