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
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { checkPaymentInvariants, deliverOwedRefunds } from "../helpers/payment-invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let pg: FakePgProcess;
let app: TestApp;
let kimbap: CreatedProduct;
let shirt: CreatedProduct;
let baseline: Map<number, number>;

beforeAll(async () => {
  pg = await startFakePgProcess();
  app = await startTestApp("checkout", pg.serviceEnv);
  const admin = await adminToken(app);
  kimbap = await createProduct(app, admin, { name: "Kimbap", price: 3_500, stock: 100 });
  shirt = await createProduct(app, admin, {
    name: "Shirt",
    price: 20_000,
    options: [
      { name: "M", additionalPrice: 0, stock: 10 },
      { name: "XL", additionalPrice: 2_000, stock: 3 },
    ],
  });
  baseline = await stockBaseline(app.database.pool);
});

/** After every test: the PG's failure rules cleared, the refunds owed sent, and the books checked. */
afterEach(async () => {
  await pg.driver.control({ reset: true });
  expect(await deliverOwedRefunds(app)).toBe(0);
  expect(await checkInvariants(app.database.pool, baseline)).toEqual([]);
  expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
});

afterAll(async () => {
  // Every refund owed is sent before the books are compared.
  await app.services.pgRefunds.sweep();
  expect(await checkInvariants(app.database.pool, baseline)).toEqual([]);
  expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
  await app.close();
  await pg.stop();
});

const stockOf = async (optionId: string): Promise<number> => {
  const [rows] = await app.database.pool.query("SELECT quantity FROM stock WHERE option_id = ?", [optionId]);
  return (rows as Array<{ quantity: number }>)[0]!.quantity;
};

async function buyer(points = 100_000): Promise<SignedIn> {
  const [member] = await fundedMembers(app, 1, points);
  return member!;
}

describe("startCheckout", () => {
  it("reserves the stock and the points of a mixed payment, priced by the server", async () => {
    const member = await buyer(50_000);
    const xl = shirt.options[1]!;
    const before = await stockOf(xl.id);
    const checkout = expectData(
      await startCheckout(app, member, {
        items: [
          { productId: kimbap.id, quantity: 2 },
          { productId: shirt.id, optionId: xl.id, quantity: 1 },
        ],
        pointAmount: 5_000,
      }),
    ).startCheckout;
    expect(checkout).toMatchObject({
      status: "PENDING",
      orderName: "Kimbap and 1 more",
      pointAmount: 5_000,
      amount: 2 * 3_500 + 22_000 - 5_000,
      order: null,
    });
    expect(checkout.pgOrderId).toMatch(/^[A-Za-z0-9_-]{6,64}$/);
    expect(await stockOf(xl.id)).toBe(before - 1);
    expect(await balanceOf(app, member)).toBe(45_000);
  });

  it("refuses points that leave nothing to pay by card, and more stock than there is, changing nothing", async () => {
    const member = await buyer(50_000);
    expect(
      errorCode(
        await startCheckout(app, member, { items: [{ productId: kimbap.id, quantity: 1 }], pointAmount: 3_500 }),
      ),
    ).toBe("BAD_USER_INPUT");
    const xl = shirt.options[1]!;
    const before = await stockOf(xl.id);
    expect(
      errorCode(await startCheckout(app, member, { items: [{ productId: shirt.id, optionId: xl.id, quantity: 99 }] })),
    ).toBe("INSUFFICIENT_STOCK");
    expect(
      errorCode(
        await startCheckout(app, member, {
          items: [{ productId: kimbap.id, quantity: 1 }],
          pointAmount: 1,
          idempotencyKey: "",
        }),
      ),
    ).toBe("BAD_USER_INPUT");
    expect(await stockOf(xl.id)).toBe(before);
    expect(await balanceOf(app, member)).toBe(50_000);
  });

  it("returns the same checkout for a repeated idempotency key", async () => {
    const member = await buyer();
    const input = { items: [{ productId: kimbap.id, quantity: 1 }], idempotencyKey: "checkout-once" };
    const first = expectData(await startCheckout(app, member, input)).startCheckout;
    const again = expectData(await startCheckout(app, member, input)).startCheckout;
    expect(again.id).toBe(first.id);
  });
});

describe("confirmPayment", () => {
  it("pays a mixed payment: the order, its payments, the points held, the stock taken once", async () => {
    const member = await buyer(50_000);
    const option = kimbap.options[0]!;
    const before = await stockOf(option.id);
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: kimbap.id, quantity: 3 }],
      pointAmount: 500,
    });
    const paid = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    expect(paid).toMatchObject({ id: checkout.id, status: "PAID", failureCode: null });
    expect(paid.order).toMatchObject({ status: "PAID", totalAmount: 10_500, refundedAmount: 0 });
    expect(paid.order!.payments).toEqual([
      { method: "POINT", amount: 500, refundedAmount: 0 },
      { method: "CARD", amount: 10_000, refundedAmount: 0 },
    ]);
    expect(await stockOf(option.id)).toBe(before - 3);
    expect(await balanceOf(app, member)).toBe(49_500);

    // A replay (the answer was lost, the page reloaded) is the same checkout, and the PG is not asked again.
    const replay = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    expect(replay.order!.id).toBe(paid.order!.id);
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "confirm")).toHaveLength(1);
  });

  it("writes the sale's lines as new order lines, whatever ids the checkout's own lines had", async () => {
    const member = await buyer(1_000_000);
    // Order lines up to past the next checkout line's id: copying a checkout line's id would collide.
    const [rows] = await app.database.pool.query("SELECT COALESCE(MAX(id), 0) + 3 AS next FROM checkout_item");
    const target = (rows as Array<{ next: number }>)[0]!.next;
    for (;;) {
      const [count] = await app.database.pool.query("SELECT COALESCE(MAX(id), 0) AS top FROM order_item");
      if ((count as Array<{ top: number }>)[0]!.top >= target) break;
      expectData(await placeOrder(app, member, { items: [{ productId: kimbap.id, quantity: 1 }] }));
    }
    const { redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: kimbap.id, quantity: 1 }],
    });
    expect(expectData(await confirmPayment(app, member, redirect)).confirmPayment.status).toBe("PAID");
  });

  it("refuses a tampered amount and another member's checkout without calling the PG", async () => {
    const [member, other] = await fundedMembers(app, 2, 10_000);
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member!, {
      items: [{ productId: kimbap.id, quantity: 1 }],
    });
    expect(errorCode(await confirmPayment(app, member!, { ...redirect, amount: 100 }))).toBe("BAD_USER_INPUT");
    expect(errorCode(await confirmPayment(app, other!, redirect))).toBe("BAD_USER_INPUT");
    expect(await pgRequestsOf(pg.driver, checkout.pgOrderId, "confirm")).toHaveLength(0);
    expect((await checkoutOf(app, member!, checkout.id)).status).toBe("PENDING");
  });

  it("fails a declined payment and gives the reservation back", async () => {
    const member = await buyer(10_000);
    const option = kimbap.options[0]!;
    const before = await stockOf(option.id);
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: kimbap.id, quantity: 2 }],
      pointAmount: 1_000,
    });
    await pg.driver.control({
      rules: [
        { route: "confirm", orderId: checkout.pgOrderId, action: { type: "decline", code: "REJECT_CARD_PAYMENT" } },
      ],
    });
    const failed = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    expect(failed).toMatchObject({ status: "FAILED", failureCode: "REJECT_CARD_PAYMENT", order: null });
    expect(await stockOf(option.id)).toBe(before);
    expect(await balanceOf(app, member)).toBe(10_000);
  });

  it("never confirms a second paymentKey for a checkout paid in another tab", async () => {
    const member = await buyer();
    const { checkout, redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [{ productId: kimbap.id, quantity: 1 }],
    });
    const secondTab = await pg.driver.authenticate(checkout.pgOrderId, checkout.amount);
    expect(expectData(await confirmPayment(app, member, redirect)).confirmPayment.status).toBe("PAID");
    expect(errorCode(await confirmPayment(app, member, { ...redirect, paymentKey: secondTab }))).toBe("CONFLICT");
    const confirms = await pgRequestsOf(pg.driver, checkout.pgOrderId, "confirm");
    expect(confirms.map((request) => request.paymentKey)).toEqual([redirect.paymentKey]);
  });
});

describe("abandonCheckout", () => {
  it("releases the reservation at once when the buyer leaves the PG's window", async () => {
    const member = await buyer(10_000);
    const option = kimbap.options[0]!;
    const before = await stockOf(option.id);
    const checkout = expectData(
      await startCheckout(app, member, { items: [{ productId: kimbap.id, quantity: 1 }], pointAmount: 100 }),
    ).startCheckout;
    const window = await pg.driver.submitWindow({
      orderId: checkout.pgOrderId,
      amount: checkout.amount,
      action: "cancel",
    });
    const fail = new URL(window.headers.get("location")!);
    const abandoned = expectData(
      await abandonCheckout(app, member, {
        pgOrderId: fail.searchParams.get("orderId")!,
        code: fail.searchParams.get("code")!,
        message: fail.searchParams.get("message")!,
      }),
    ).abandonCheckout;
    expect(abandoned).toMatchObject({ status: "FAILED", failureCode: "PAY_PROCESS_CANCELED" });
    expect(await stockOf(option.id)).toBe(before);
    expect(await balanceOf(app, member)).toBe(10_000);
  });
});

describe("cancelling a line of a card-paid order", () => {
  it("refunds the card first (a partial cancel at the PG), then points", async () => {
    const member = await buyer(50_000);
    const { redirect } = await checkoutPaidInWindow(app, pg.driver, member, {
      items: [
        { productId: kimbap.id, quantity: 2 },
        { productId: shirt.id, optionId: shirt.options[0]!.id, quantity: 1 },
      ],
      pointAmount: 15_000,
    });
    const paid = expectData(await confirmPayment(app, member, redirect)).confirmPayment;
    // 7,000 + 20,000 = 27,000: 12,000 by card, 15,000 from points.
    const shirtLine = paid.order!.items.find((item) => item.amount === 20_000)!;
    const cancelled = expectData(
      await app.gql<{
        cancelOrderItem: { refundedAmount: number; payments: Array<{ method: string; refundedAmount: number }> };
      }>(
        `mutation ($id: ID!) { cancelOrderItem(orderItemId: $id) { refundedAmount payments { method refundedAmount } } }`,
        { id: shirtLine.id },
        { token: member.token },
      ),
    ).cancelOrderItem;
    expect(cancelled.refundedAmount).toBe(20_000);
    expect(cancelled.payments).toEqual([
      { method: "POINT", refundedAmount: 8_000 },
      { method: "CARD", refundedAmount: 12_000 },
    ]);
    expect(await balanceOf(app, member)).toBe(50_000 - 15_000 + 8_000);
    expect(await app.services.pgRefunds.deliver(redirect.paymentKey)).toBe(0);
    const atPg = await pg.driver.payment(redirect.paymentKey);
    expect(atPg.body).toMatchObject({ status: "CANCELED", balanceAmount: 0 });
  });
});

describe("/metrics", () => {
  it("counts checkouts by outcome and times the PG's confirms", async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^checkouts_total\{outcome="PAID"\} [1-9]/m);
    expect(text).toMatch(/^checkouts_total\{outcome="FAILED"\} [1-9]/m);
    expect(text).toMatch(/^pg_confirm_duration_seconds_count\{outcome="approved"\} [1-9]/m);
    expect(text).toMatch(/^pg_confirm_duration_seconds_count\{outcome="declined"\} [1-9]/m);
    expect(text).toMatch(/^pg_refund_attempts_total\{result="done"\} [1-9]/m);
  });
});
