import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/process/lifecycle.js";
import { checkoutPaidInWindow, confirmPayment } from "../helpers/checkout-flow.js";
import { startFakePlatform, startWorker, type FakePlatform } from "../helpers/event-pipeline.js";
import { adminToken, createProduct, fundedMembers, type CreatedProduct } from "../helpers/factories.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { expectData } from "../helpers/graphql.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { until } from "../helpers/until.js";

/**
 * A card-paid order is an order like any other downstream: its ORDER_PAID event, with the payments
 * it was paid by, reaches the data platform, and the ranking (kept by the real worker) counts it and
 * uncounts its cancelled lines.
 */

let pg: FakePgProcess;
let platform: FakePlatform;
let app: TestApp;
let worker: Running;
let tea: CreatedProduct;

beforeAll(async () => {
  pg = await startFakePgProcess();
  const fake = await startFakePlatform();
  platform = fake.platform;
  app = await startTestApp(
    "checkout_events",
    { ...pg.serviceEnv, DATA_PLATFORM_URL: fake.url, SHUTDOWN_GRACE_MS: "1000" },
    // The API hands the card refund to the worker as a job, as in production.
    { checkoutJobs: true },
  );
  tea = await createProduct(app, await adminToken(app), { name: "Card tea", price: 4_000, stock: 100 });
  worker = await startWorker(app);
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await platform.close();
  await pg.stop();
});

const soldOf = async (productId: string): Promise<number | undefined> => {
  const data = expectData(
    await app.gql<{ popularProducts: Array<{ soldQuantity: number; product: { id: string } }> }>(
      `{ popularProducts(days: 3, limit: 5) { soldQuantity product { id } } }`,
    ),
  );
  return data.popularProducts.find((entry) => entry.product.id === productId)?.soldQuantity;
};

describe("a card-paid order downstream", () => {
  it("reaches the data platform with its payments, and the ranking counts it, then uncounts a cancelled line", async () => {
    const [member] = await fundedMembers(app, 1, 10_000);
    const { redirect } = await checkoutPaidInWindow(app, pg.driver, member!, {
      items: [{ productId: tea.id, quantity: 3 }],
      pointAmount: 2_000,
    });
    const order = expectData(await confirmPayment(app, member!, redirect)).confirmPayment.order!;

    const paid = await until("ORDER_PAID at the platform", async () =>
      platform
        .events()
        .find((event) => event.type === "ORDER_PAID" && (event.body.order as { id: string }).id === order.id),
    );
    expect((paid.body.order as { payments: unknown }).payments).toEqual([
      { method: "POINT", amount: 2_000 },
      { method: "CARD", amount: 10_000 },
    ]);
    expect(await until("the ranking", async () => ((await soldOf(tea.id)) === 3 ? true : undefined))).toBe(true);

    expectData(
      await app.gql(
        `mutation ($id: ID!) { cancelOrderItem(orderItemId: $id) { status } }`,
        { id: order.items[0]!.id },
        {
          token: member!.token,
        },
      ),
    );
    await until("ORDER_ITEM_CANCELLED at the platform", async () =>
      platform
        .events()
        .find((event) => event.type === "ORDER_ITEM_CANCELLED" && (event.body.order as { id: string }).id === order.id),
    );
    expect(await until("the ranking", async () => ((await soldOf(tea.id)) === undefined ? true : undefined))).toBe(
      true,
    );
    // The worker's refund job sent the card's share of it to the PG.
    await until("the PG's refund", async () => {
      const payment = (await pg.driver.payment(redirect.paymentKey)).body as { status: string };
      return payment.status === "CANCELED" ? true : undefined;
    });
  });
});
