import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  abandonCheckout,
  checkoutOf,
  checkoutPaidInWindow,
  confirmPayment,
  pgRequestsOf,
  startCheckout,
} from "../helpers/checkout-flow.js";
import {
  adminToken,
  balanceOf,
  createProduct,
  fundedMembers,
  placeOrder,
  signUpMember,
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { checkPaymentInvariants, deliverOwedRefunds } from "../helpers/payment-invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { TestClock } from "../helpers/test-clock.js";

/**
 * The failure matrix of card payments, one test each, against the fake PG run as a process of its
 * own and told to fail through its /control API. The service's clock is a TestClock, moved past a
 * reservation's end where a test needs it; the fake PG's is moved past its confirm window the same way.
 * Timeouts are the service's own (PG_READ_TIMEOUT_MS, short here), never asserted as durations.
 */

let pg: FakePgProcess;
let app: TestApp;
let baseline: Map<number, number>;
let admin: string;
const clock = new TestClock(new Date());
const TTL_SECONDS = 900;

beforeAll(async () => {
  pg = await startFakePgProcess();
  app = await startTestApp(
    "checkout_failures",
    { ...pg.serviceEnv, PG_READ_TIMEOUT_MS: "800", CHECKOUT_TTL_SECONDS: String(TTL_SECONDS) },
    { clock },
  );
  admin = await adminToken(app);
  baseline = await stockBaseline(app.database.pool);
});

/** After every test: the PG's failure rules cleared, the refunds owed sent, and the books checked. */
afterEach(async () => {
  await pg.driver.control({ reset: true });
  expect(await deliverOwedRefunds(app)).toBe(0);
  expect(await checkInvariants(app.database.pool, await baselineWithNewProducts())).toEqual([]);
  expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
});

afterAll(async () => {
  await app.services.pgRefunds.sweep();
  expect(await checkInvariants(app.database.pool, await baselineWithNewProducts())).toEqual([]);
  expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
  await app.close();
  await pg.stop();
});

/** The baseline of the products made by the tests too, taken when each was created. */
const created = new Map<number, number>();
async function baselineWithNewProducts(): Promise<Map<number, number>> {
  return new Map([...baseline, ...created]);
}

async function product(stock: number, price = 10_000): Promise<CreatedProduct> {
  const made = await createProduct(app, admin, { name: `Item ${created.size + 1}`, price, stock });
  created.set(Number(made.options[0]!.id), stock);
  return made;
}

async function buyer(points = 100_000): Promise<SignedIn> {
  const [member] = await fundedMembers(app, 1, points);
  return member!;
}

const stockOf = async (item: CreatedProduct): Promise<number> => {
  const [rows] = await app.database.pool.query("SELECT quantity FROM stock WHERE option_id = ?", [item.options[0]!.id]);
  return (rows as Array<{ quantity: number }>)[0]!.quantity;
};

const idOf = (checkoutId: string): number => Number(checkoutId);

describe("concurrency", () => {
  it("10 concurrent confirms of one payment: one PG confirm, one key, one order", async () => {
    const item = await product(5);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    // The PG answers after a while, so the ten arrive while the first is still confirming.
    await pg.driver.control({
      rules: [{ route: "confirm", orderId: checkout.pgOrderId, action: { type: "delay", ms: 300 } }],
    });
    const answers = await Promise.all(Array.from({ length: 10 }, () => confirmPayment(app, member, redirect)));
    for (const answer of answers) expect(["CONFIRMING", "PAID"]).toContain(expectData(answer).confirmPayment.status);
    expect((await checkoutOf(app, member, checkout.id)).status).toBe("PAID");
    const confirms = await pgRequestsOf(pg.driver, checkout.pgOrderId, "confirm");
    expect(confirms).toHaveLength(1);
    expect(new Set(confirms.map((request) => request.idempotencyKey)).size).toBe(1);
    const [orders] = await app.database.pool.query("SELECT COUNT(*) AS n FROM payment WHERE payment_key = ?", [
      redirect.paymentKey,
    ]);
    expect((orders as Array<{ n: number }>)[0]!.n).toBe(1);
  });

  it("200 buyers reserving 50 units: exactly 50 checkouts, 50 orders, nobody charged without an order", async () => {
    const item = await product(50, 1_000);
    const buyers = await Promise.all(Array.from({ length: 200 }, () => signUpMember(app)));
    const started = await Promise.all(
      buyers.map((member) => startCheckout(app, member, { items: [{ productId: item.id, quantity: 1 }] })),
    );
    const winners = started.flatMap((answer, index) =>
      answer.data ? [{ member: buyers[index]!, checkout: answer.data.startCheckout }] : [],
    );
    expect(winners).toHaveLength(50);
    expect(started.filter((answer) => errorCode(answer) === "INSUFFICIENT_STOCK")).toHaveLength(150);
    expect(await stockOf(item)).toBe(0);
    const paid = await Promise.all(
      winners.map(async ({ member, checkout }) => {
        const paymentKey = await pg.driver.authenticate(checkout.pgOrderId, checkout.amount);
        return expectData(
          await confirmPayment(app, member, { paymentKey, pgOrderId: checkout.pgOrderId, amount: checkout.amount }),
        ).confirmPayment;
      }),
    );
    expect(paid.filter((checkout) => checkout.status === "PAID")).toHaveLength(50);
    expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
  }, 180_000);
});

describe("outcome unknown", () => {
  it("approved, but the answer times out: CONFIRMING, nothing released, and the reconcile makes one order", async () => {
    const item = await product(3);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    await pg.driver.control({
      rules: [{ route: "confirm", orderId: checkout.pgOrderId, action: { type: "process-then-hang", ms: 5_000 } }],
    });
    const waiting = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    expect(waiting).toMatchObject({ status: "CONFIRMING", order: null });
    expect(await stockOf(item)).toBe(2);
    const settled = await app.services.checkouts.recovery.reconcile(idOf(checkout.id));
    expect(settled?.status).toBe("PAID");
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "confirm")).toHaveLength(1);
    expect((await checkoutOf(app, member, checkout.id)).order).not.toBeNull();
  });

  it("the confirm never reached the PG: unknown while the PG cannot say, then FAILED and released once its window passed", async () => {
    const item = await product(3);
    const member = await buyer(20_000);
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
      pointAmount: 2_000,
    });
    await pg.driver.control({ rules: [{ route: "confirm", orderId: checkout.pgOrderId, action: { type: "drop" } }] });
    expect(expectData(await confirmPayment(app, member, redirect)).confirmPayment.status).toBe("CONFIRMING");
    // The PG shows the payment authenticated, not confirmed: undecided, so nothing moves.
    expect((await app.services.checkouts.recovery.reconcile(idOf(checkout.id)))?.status).toBe("CONFIRMING");
    expect(await stockOf(item)).toBe(2);
    expect(await balanceOf(app, member)).toBe(18_000);
    await pg.driver.control({ advanceClockSeconds: 601 });
    const failed = await app.services.checkouts.recovery.reconcile(idOf(checkout.id));
    expect(failed).toMatchObject({ status: "FAILED", failureCode: "EXPIRED" });
    expect(await stockOf(item)).toBe(3);
    expect(await balanceOf(app, member)).toBe(20_000);
  });

  it.each([500, 409])("a %i from the PG releases nothing while the outcome is unknown", async (status) => {
    const item = await product(3);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 2 }],
    });
    await pg.driver.control({
      rules: [{ route: "confirm", orderId: checkout.pgOrderId, action: { type: "error", status } }],
    });
    expect(expectData(await confirmPayment(app, member, redirect)).confirmPayment.status).toBe("CONFIRMING");
    expect(await stockOf(item)).toBe(1);
    // The PG is asked, not told again: still undecided, still held.
    expect((await app.services.checkouts.recovery.reconcile(idOf(checkout.id)))?.status).toBe("CONFIRMING");
    expect(await stockOf(item)).toBe(1);
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "confirm")).toHaveLength(1);
    await pg.driver.control({ advanceClockSeconds: 601 });
    expect((await app.services.checkouts.recovery.reconcile(idOf(checkout.id)))?.status).toBe("FAILED");
    expect(await stockOf(item)).toBe(3);
  });

  it("the expiry job firing during CONFIRMING changes nothing: the stock stays reserved", async () => {
    const item = await product(3);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    await pg.driver.control({
      rules: [{ route: "confirm", orderId: checkout.pgOrderId, action: { type: "error", status: 503 } }],
    });
    expect(expectData(await confirmPayment(app, member, redirect)).confirmPayment.status).toBe("CONFIRMING");
    const now = clock.now();
    clock.set(new Date(now.getTime() + (TTL_SECONDS + 1) * 1000));
    try {
      expect(await app.services.checkouts.recovery.expire(idOf(checkout.id))).toBe(false);
      expect((await app.services.checkouts.recovery.sweep()).expired).toBe(0);
    } finally {
      clock.set(now);
    }
    expect((await checkoutOf(app, member, checkout.id)).status).toBe("CONFIRMING");
    expect(await stockOf(item)).toBe(2);
    // The PG did capture it after all (its confirm was answered 503 but a retry by hand went through).
    await pg.driver.confirm({ paymentKey: redirect.paymentKey, orderId: checkout.pgOrderId, amount: checkout.amount });
    expect((await app.services.checkouts.recovery.reconcile(idOf(checkout.id)))?.status).toBe("PAID");
  });
});

describe("the reservation and the PG's window", () => {
  it("a lapsed reservation whose stock was sold meanwhile is never confirmed: FAILED, OUT_OF_STOCK", async () => {
    const item = await product(1);
    const [member, rival] = await fundedMembers(app, 2, 100_000);
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member!, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    const now = clock.now();
    clock.set(new Date(now.getTime() + (TTL_SECONDS + 1) * 1000));
    try {
      expect((await app.services.checkouts.recovery.sweep()).expired).toBeGreaterThanOrEqual(1);
    } finally {
      clock.set(now);
    }
    expect((await checkoutOf(app, member!, checkout.id)).status).toBe("EXPIRED");
    expectData(await placeOrder(app, rival!, { items: [{ productId: item.id, quantity: 1 }] }));
    const failed = expectData(await confirmPayment(app, member!, redirect)).confirmPayment;
    expect(failed).toMatchObject({ status: "FAILED", failureCode: "OUT_OF_STOCK", order: null });
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "confirm")).toHaveLength(0);
  });

  it("a lapsed reservation whose stock is still there is taken again and paid", async () => {
    const item = await product(2);
    const member = await buyer(30_000);
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
      pointAmount: 1_000,
    });
    const now = clock.now();
    clock.set(new Date(now.getTime() + (TTL_SECONDS + 1) * 1000));
    try {
      expect(await app.services.checkouts.recovery.expire(idOf(checkout.id))).toBe(true);
    } finally {
      clock.set(now);
    }
    expect(await stockOf(item)).toBe(2);
    expect(await balanceOf(app, member)).toBe(30_000);
    const paid = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    expect(paid.status).toBe("PAID");
    expect(await stockOf(item)).toBe(1);
    expect(await balanceOf(app, member)).toBe(29_000);
  });

  it("a confirm later than the PG's window: NOT_FOUND_PAYMENT_SESSION, FAILED, released", async () => {
    const item = await product(2);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    await pg.driver.control({ advanceClockSeconds: 601 });
    const failed = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    expect(failed).toMatchObject({ status: "FAILED", failureCode: "NOT_FOUND_PAYMENT_SESSION" });
    expect(await stockOf(item)).toBe(2);
    expect((await checkoutOf(app, member, checkout.id)).order).toBeNull();
  });
});

describe("money the PG holds with no sale behind it", () => {
  it("a DONE reported for a FAILED checkout is refunded once, however often the webhook comes", async () => {
    const item = await product(2);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    // The buyer left through the fail redirect, yet the PG captured the payment (confirmed by someone else).
    expect(
      expectData(await abandonCheckout(app, member, { pgOrderId: checkout.pgOrderId })).abandonCheckout.status,
    ).toBe("FAILED");
    const captured = await pg.driver.confirm({
      paymentKey: redirect.paymentKey,
      orderId: checkout.pgOrderId,
      amount: checkout.amount,
    });
    const webhook = { eventType: "PAYMENT_STATUS_CHANGED", createdAt: new Date().toISOString(), data: captured.body };
    for (let copy = 0; copy < 3; copy += 1) {
      const answer = await fetch(`${app.url}/webhooks/pg`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(webhook),
      });
      expect(answer.status).toBe(200);
      await app.services.checkouts.recovery.sweep();
    }
    const refunded = await checkoutOf(app, member, checkout.id);
    expect(refunded).toMatchObject({ status: "REFUNDED", failureCode: "PAID_AFTER_FAILURE_REFUNDED", order: null });
    expect(await app.services.pgRefunds.deliver(redirect.paymentKey)).toBe(0);
    expect(await app.services.pgRefunds.deliver(redirect.paymentKey)).toBe(0);
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "cancel")).toHaveLength(1);
    expect((await pg.driver.payment(redirect.paymentKey)).body).toMatchObject({ status: "CANCELED", balanceAmount: 0 });
  });

  it("webhooks out of order (an old one after the sale) change nothing", async () => {
    const item = await product(2);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 1 }],
    });
    const before = (await pg.driver.paymentOfOrder(checkout.pgOrderId)).body;
    expect(expectData(await confirmPayment(app, member, redirect)).confirmPayment.status).toBe("PAID");
    const stale = { eventType: "PAYMENT_STATUS_CHANGED", createdAt: new Date().toISOString(), data: before };
    expect(
      (
        await fetch(`${app.url}/webhooks/pg`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(stale),
        })
      ).status,
    ).toBe(200);
    await app.services.checkouts.recovery.sweep();
    const after = await checkoutOf(app, member, checkout.id);
    expect(after.status).toBe("PAID");
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "cancel")).toHaveLength(0);
  });

  it("a refund the PG's cancel fails three times is sent until it works, and only once", async () => {
    const item = await product(2, 8_000);
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: item.id, quantity: 2 }],
    });
    const paid = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    await pg.driver.control({
      rules: [{ route: "cancel", paymentKey: redirect.paymentKey, times: 3, action: { type: "error", status: 500 } }],
    });
    expectData(
      await app.gql(
        `mutation ($id: ID!) { cancelOrderItem(orderItemId: $id) { status } }`,
        { id: paid.order!.items[0]!.id },
        {
          token: member.token,
        },
      ),
    );
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect(await app.services.pgRefunds.deliver(redirect.paymentKey)).toBe(1);
    expect(await app.services.pgRefunds.deliver(redirect.paymentKey)).toBe(0);
    const atPg = (await pg.driver.payment(redirect.paymentKey)).body as { cancels: unknown[]; balanceAmount: number };
    expect(atPg.cancels).toHaveLength(1);
    expect(atPg.balanceAmount).toBe(0);
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "cancel")).toHaveLength(4);
  });

  it("an approved amount other than the checkout's is refunded in full, never sold", async () => {
    const item = await product(2, 5_000);
    const member = await buyer();
    const checkout = expectData(
      await startCheckout(app, member, { items: [{ productId: item.id, quantity: 1 }] }),
    ).startCheckout;
    // The window was opened with another amount (a tampered page) and the redirect edited back to ours.
    const paymentKey = await pg.driver.authenticate(checkout.pgOrderId, 4_000);
    await pg.driver.control({
      rules: [{ route: "confirm", orderId: checkout.pgOrderId, action: { type: "error", status: 503 } }],
    });
    const redirect = { paymentKey, pgOrderId: checkout.pgOrderId, amount: checkout.amount };
    expect(expectData(await confirmPayment(app, member, redirect)).confirmPayment.status).toBe("CONFIRMING");
    // Meanwhile the PG captured what the window showed.
    expect((await pg.driver.confirm({ paymentKey, orderId: checkout.pgOrderId, amount: 4_000 })).status).toBe(200);
    const refunded = await app.services.checkouts.recovery.reconcile(idOf(checkout.id));
    expect(refunded).toMatchObject({ status: "REFUNDED", failureCode: "AMOUNT_MISMATCH_REFUNDED", orderId: null });
    expect(await stockOf(item)).toBe(2);
    expect(await app.services.pgRefunds.deliver(paymentKey)).toBe(0);
    expect((await pg.driver.payment(paymentKey)).body).toMatchObject({ status: "CANCELED", balanceAmount: 0 });
  });
});
