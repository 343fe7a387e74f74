import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/process/lifecycle.js";
import { browserAvailable, launchChromium, requireBrowser } from "../helpers/chromium.js";
import { startWorker } from "../helpers/event-pipeline.js";
import { adminToken, createProduct, fundedMembers, placeOrder, type SignedIn } from "../helpers/factories.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { expectData } from "../helpers/graphql.js";
import { checkPaymentInvariants } from "../helpers/payment-invariants.js";
import { freePort } from "../helpers/service-process.js";
import { buildStorefront } from "../helpers/storefront-build.js";
import { checkPage, headerBalance, inStorefront, signIn } from "../helpers/storefront-pages.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { ShiftedClock } from "../helpers/test-clock.js";
import { until } from "../helpers/until.js";

/**
 * Stock as other buyers change it, seen in the storefront (Debian's Chromium, as in
 * storefront-browser.spec.ts): pages follow the stock without a reload, and the two sold-out races a
 * buyer can lose, both ending with nothing spent and the reason in plain words:
 * - points: another buyer takes the last unit between the cart and "pay";
 * - card: the reservation lapses while the PG's window is open, another buyer takes the unit it
 *   held, then the buyer pays in the window: the success page says it sold out, and the PG never
 *   captured the payment.
 * The service's clock is shifted by the test to make a reservation lapse (never a wait on real
 * time); the worker runs, as in production, and its sweep releases the lapsed reservation.
 */
let storefrontDir: string | undefined;
let pg: FakePgProcess | undefined;
let app: TestApp | undefined;
let worker: Running | undefined;
let browser: Browser | undefined;
const clock = new ShiftedClock();

beforeAll(async () => {
  if (!browserAvailable()) return;
  storefrontDir = await buildStorefront();
  pg = await startFakePgProcess();
  const port = await freePort();
  app = await startTestApp(
    "storefront_stock",
    {
      SEED_DEMO_DATA: "true",
      STOREFRONT_DIR: storefrontDir,
      SHOP_PUBLIC_URL: `http://127.0.0.1:${port}`,
      // The worker's sweep looks for lapsed reservations this often (its delayed jobs run on real time).
      CHECKOUT_SWEEP_MS: "250",
      ...pg.serviceEnv,
    },
    { port, clock },
  );
  worker = await startWorker(app, clock);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  if (app && pg) expect(await checkPaymentInvariants(app.database.pool, pg.driver)).toEqual([]);
  await app?.close();
  await pg?.stop();
  if (storefrontDir) rmSync(storefrontDir, { recursive: true, force: true });
});

function started(): { app: TestApp; pg: FakePgProcess; browser: Browser } {
  if (!app || !browser || !pg) throw new Error("the app, the fake PG or the browser did not start");
  return { app, pg, browser };
}

async function buy(app: TestApp, buyer: SignedIn, productId: string, quantity: number): Promise<void> {
  expectData(await placeOrder(app, buyer, { items: [{ productId, quantity }] }));
}

describe("stock as others buy, in the storefront", () => {
  it("the product page and the catalog follow the stock without a reload", { timeout: 120_000 }, async (context) => {
    requireBrowser(context, "the storefront browser test");
    const { app, pg, browser } = started();
    const lamp = await createProduct(app, await adminToken(app), { name: "Live lamp", price: 4_000, stock: 10 });
    const [rival] = await fundedMembers(app, 1, 100_000);

    await inStorefront(browser, [app.url, pg.url], async (page) => {
      await page.goto(`${app.url}/products/${lamp.id}`);
      await page.getByText("10 in stock").waitFor();
      // Set once in this document: still there afterwards means the page never reloaded.
      await page.evaluate("window.__sameDocument = true");
      await buy(app, rival!, lamp.id, 3);
      await page.getByText("7 in stock").waitFor();

      await page.getByRole("link", { name: "Back to the catalog" }).click();
      const card = page.getByRole("article").filter({ hasText: "Live lamp" });
      await card.getByText("7 in stock").waitFor();
      await buy(app, rival!, lamp.id, 3);
      await card.getByText("Only 4 left").waitFor();
      expect(await page.evaluate("window.__sameDocument")).toBe(true);
    });
  });

  it(
    "points: another buyer takes the last unit between the cart and the payment",
    { timeout: 120_000 },
    async (context) => {
      requireBrowser(context, "the storefront browser test");
      const { app, pg, browser } = started();
      const lastOne = await createProduct(app, await adminToken(app), { name: "Last lamp", price: 7_000, stock: 1 });
      const [rival] = await fundedMembers(app, 1, 100_000);

      await inStorefront(browser, [app.url, pg.url], async (page) => {
        await page.goto(`${app.url}/`);
        await signIn(page);
        const balanceBefore = await headerBalance(page);
        await page.goto(`${app.url}/products/${lastOne.id}`);
        await page.getByText("Only 1 left").waitFor();
        await page.getByRole("button", { name: "Add to cart" }).click();
        await page.getByRole("status").filter({ hasText: "added to your cart" }).waitFor();
        await page.getByRole("banner").getByRole("link", { name: /^Cart/ }).click();
        await page.getByRole("link", { name: "Check out" }).click();
        await page.getByRole("heading", { name: "Checkout" }).waitFor();

        // The rival buys the last lamp while the demo member looks at the checkout page.
        await buy(app, rival!, lastOne.id, 1);

        await page.getByRole("button", { name: /with points/ }).click();
        await page.getByRole("alert").filter({ hasText: "Sorry, there is not enough stock left for that." }).waitFor();
        await page.getByText("Last lamp × 1 · sold out").waitFor();
        expect(await page.getByRole("button", { name: /with points/ }).isEnabled()).toBe(true);
        expect(await headerBalance(page), "nothing was spent").toBe(balanceBefore);
        await checkPage(page, "sold-out");
        // The line is taken out of the cart; the cart is empty again for the next story.
        await page.getByRole("banner").getByRole("link", { name: /^Cart/ }).click();
        await page.getByRole("button", { name: /^Remove Last lamp/ }).click();
        await page.getByText("Your cart is empty.").waitFor();
      });
    },
  );

  it(
    "card: the reservation lapses while the PG's window is open and the unit sells; the success page says sold out, not charged",
    { timeout: 120_000 },
    async (context) => {
      requireBrowser(context, "the storefront browser test");
      const { app, pg, browser } = started();
      const kettle = await createProduct(app, await adminToken(app), { name: "Last kettle", price: 12_000, stock: 1 });
      const [rival] = await fundedMembers(app, 1, 100_000);

      await inStorefront(browser, [app.url, pg.url], async (page) => {
        const header = page.getByRole("banner");
        await page.goto(`${app.url}/`);
        await signIn(page);
        const balanceBefore = await headerBalance(page);
        await page.goto(`${app.url}/products/${kettle.id}`);
        await page.getByText("Only 1 left").waitFor();
        await page.getByRole("button", { name: "Add to cart" }).click();
        await header.getByRole("link", { name: /Cart 1/ }).click();
        await page.getByRole("link", { name: "Check out" }).click();
        await page.getByRole("heading", { name: "Checkout" }).waitFor();
        await page.getByLabel("Points to use").fill("2000");
        const popupOpens = page.waitForEvent("popup");
        await page.getByRole("button", { name: "Pay ₩10,000 by card" }).click();
        const popup = await popupOpens;
        await popup.getByRole("button", { name: "Pay", exact: true }).waitFor();
        await page.getByRole("status").filter({ hasText: "window" }).waitFor();

        // The buyer dawdles in the PG's window past the reservation's TTL: the worker's sweep releases it.
        const checkout = await newestCheckout(app);
        expect(checkout.status).toBe("PENDING");
        expect(await headerBalance(page), "the point part is held while the window is open").toBe(
          balanceBefore - 2_000,
        );
        clock.advance((app.config.checkoutTtlSeconds + 1) * 1_000);
        await until("the sweep releases the lapsed reservation", async () =>
          (await newestCheckout(app)).status === "EXPIRED" ? true : undefined,
        );
        // Meanwhile the kettle, back on sale, is bought by someone else.
        await buy(app, rival!, kettle.id, 1);

        await popup.getByRole("button", { name: "Pay", exact: true }).click();
        await popup.getByRole("heading", { name: "Payment failed" }).waitFor();
        expect(new URL(popup.url()).pathname).toBe("/checkout/success");
        await popup.getByText("It sold out while you were paying, so you were not charged.").waitFor();
        await checkPage(popup, "checkout-sold-out");
        // The checkout page heard it from the window, in the same words.
        await page.getByRole("status").filter({ hasText: "It sold out while you were paying" }).waitFor();
        await expect.poll(() => headerBalance(page), { message: "the point part came back" }).toBe(balanceBefore);
        await checkPage(page, "checkout-sold-out-opener");

        // The PG never captured the payment the buyer made in the window: nothing to refund, ever.
        const { payments } = await pg.driver.listing<{ payments: Array<{ orderId: string; status: string }> }>(
          "/control/payments",
        );
        const inWindow = payments.filter((payment) => payment.orderId === checkout.pgOrderId);
        expect(inWindow.length).toBe(1);
        expect(inWindow[0]!.status).not.toBe("DONE");
        expect((await newestCheckout(app)).status).toBe("FAILED");
      });
    },
  );
});

/** The newest checkout in the database (this file's own), read directly. */
async function newestCheckout(app: TestApp): Promise<{ status: string; pgOrderId: string }> {
  const [rows] = await app.database.pool.query<RowDataPacket[]>(
    "SELECT status, pg_order_id AS pgOrderId FROM checkout ORDER BY id DESC LIMIT 1",
  );
  const row = rows[0];
  if (!row) throw new Error("no checkout yet");
  return { status: String(row.status), pgOrderId: String(row.pgOrderId) };
}
