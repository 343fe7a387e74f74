import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/process/lifecycle.js";
import { checkoutOf, checkoutPaidInWindow, confirmPayment, startCheckout } from "../helpers/checkout-flow.js";
import { adminToken, balanceOf, createProduct, fundedMembers, type CreatedProduct } from "../helpers/factories.js";
import { startWorker } from "../helpers/event-pipeline.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { expectData } from "../helpers/graphql.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { checkPaymentInvariants } from "../helpers/payment-invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { until } from "../helpers/until.js";

/**
 * Every reservation has a TTL, kept by the worker: a delayed BullMQ job at expiresAt releases an
 * unconfirmed checkout. The sweep is set to an hour here, so only the job can have done it (the sweep
 * itself is proven in checkout-failures and checkout-crash). Waits are polls on the outcome, never
 * timed assertions.
 */

let pg: FakePgProcess;
let app: TestApp;
let worker: Running;
let item: CreatedProduct;
let baseline: Map<number, number>;

beforeAll(async () => {
  pg = await startFakePgProcess();
  app = await startTestApp(
    "checkout_ttl",
    { ...pg.serviceEnv, CHECKOUT_TTL_SECONDS: "1", CHECKOUT_SWEEP_MS: "3600000", SHUTDOWN_GRACE_MS: "1000" },
    { checkoutJobs: true },
  );
  item = await createProduct(app, await adminToken(app), { name: "Timed kimbap", price: 3_000, stock: 5 });
  baseline = await stockBaseline(app.database.pool);
  worker = await startWorker(app);
});

afterAll(async () => {
  await worker.stop();
  expect(await checkInvariants(app.database.pool, baseline)).toEqual([]);
  expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
  await app.close();
  await pg.stop();
});

describe("the reservation's TTL", () => {
  it("is kept by a delayed job: an unconfirmed checkout is released at expiresAt", async () => {
    const [member] = await fundedMembers(app, 1, 10_000);
    const checkout = expectData(
      await startCheckout(app, member!, { items: [{ productId: item.id, quantity: 2 }], pointAmount: 1_000 }),
    ).startCheckout;
    const expired = await until("the expiry", async () => {
      const now = await checkoutOf(app, member!, checkout.id);
      return now.status === "PENDING" ? undefined : now;
    });
    expect(expired).toMatchObject({ status: "EXPIRED", failureCode: "EXPIRED" });
    expect(await balanceOf(app, member!)).toBe(10_000);
    const [rows] = await app.database.pool.query("SELECT quantity FROM stock WHERE option_id = ?", [
      item.options[0]!.id,
    ]);
    expect((rows as Array<{ quantity: number }>)[0]!.quantity).toBe(5);
  });

  it("does not stop a late redirect from paying while the stock is there", async () => {
    const [member] = await fundedMembers(app, 1, 10_000);
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member!, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    await until("the expiry", async () =>
      (await checkoutOf(app, member!, checkout.id)).status === "EXPIRED" ? true : undefined,
    );
    const paid = expectData(await confirmPayment(app, member!, redirect)).confirmPayment;
    expect(paid.status).toBe("PAID");
  });
});
