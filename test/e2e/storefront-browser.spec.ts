import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, launchChromium, requireBrowser } from "../helpers/chromium.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { freePort } from "../helpers/service-process.js";
import { buildStorefront } from "../helpers/storefront-build.js";
import { checkPage, DEMO, focused, headerBalance, inStorefront, signIn, tabTo } from "../helpers/storefront-pages.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * The storefront (web/) in a real browser, Debian's Chromium through playwright-core, as the
 * playground test runs it: the demo member's journeys, points and card (the PG's window as a popup),
 * and the card checkout by keyboard alone. Each page is checked for CSP violations and by axe (no
 * serious or critical violation), with a screenshot in test-output/storefront-<page>.png. The
 * storefront is built from the current sources into a folder of this run's own. Waits are on what
 * the page shows, never on time. Stock as others buy (live stock, sold-out races) is
 * storefront-stock.spec.ts.
 */
let storefrontDir: string | undefined;
let pg: FakePgProcess | undefined;
let app: TestApp | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!browserAvailable()) return;
  storefrontDir = await buildStorefront();
  pg = await startFakePgProcess();
  // The PG sends the buyer back to SHOP_PUBLIC_URL, which must be this app: its port is chosen first.
  const port = await freePort();
  app = await startTestApp(
    "storefront_browser",
    {
      SEED_DEMO_DATA: "true",
      STOREFRONT_DIR: storefrontDir,
      SHOP_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...pg.serviceEnv,
    },
    { port },
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await pg?.stop();
  if (storefrontDir) rmSync(storefrontDir, { recursive: true, force: true });
});

function started(): { app: TestApp; pg: FakePgProcess; browser: Browser } {
  if (!app || !browser || !pg) throw new Error("the app, the fake PG or the browser did not start");
  return { app, pg, browser };
}

describe("storefront in Chromium", () => {
  it(
    "the demo member signs in, fills the cart (one product with options), pays with points, and the header follows",
    { timeout: 120_000 },
    async (context) => {
      requireBrowser(context, "the storefront browser test");
      const { app, pg, browser } = started();
      const origin = app.url;

      await inStorefront(browser, [origin, pg.url], async (page) => {
        const header = page.getByRole("banner");

        const catalog = await page.goto(`${origin}/`);
        expect(catalog?.status()).toBe(200);
        expect(await catalog?.headerValue("content-security-policy")).toContain("default-src 'none'");
        await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Catalog");
        // Newest first, 8 a page: the demo's first product is on the second page.
        await page.getByText("8 of 12 products").waitFor();
        await checkPage(page, "catalog");
        await page.getByRole("button", { name: "Show more products" }).click();
        await page.getByText("12 of 12 products").waitFor();
        await expect.poll(() => page.getByRole("button", { name: "Show more products" }).count()).toBe(0);
        await page.getByRole("link", { name: "NewJeans T-shirt" }).waitFor();

        // Sign in.
        await header.getByRole("link", { name: "Sign in" }).click();
        await page.getByRole("heading", { name: "Sign in" }).waitFor();
        await checkPage(page, "signin");
        await page.getByLabel("Login ID").fill(DEMO.loginId);
        await page.getByLabel("Password").fill(DEMO.password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await header.getByRole("link", { name: /Points ₩1,000,000/ }).waitFor();
        await header.getByRole("link", { name: /Cart 0/ }).waitFor();

        // A product with options: the L size (₩30,000), on the catalog's second page.
        await page.getByRole("button", { name: "Show more products" }).click();
        await page.getByRole("link", { name: "NewJeans T-shirt" }).click();
        await page.getByRole("heading", { name: "NewJeans T-shirt" }).waitFor();
        await page.getByLabel(/^L, ₩30,000/).check();
        await page.getByRole("button", { name: "Add to cart" }).click();
        await page.getByRole("status").filter({ hasText: "added to your cart" }).waitFor();
        await header.getByRole("link", { name: /Cart 1/ }).waitFor();
        await checkPage(page, "product");

        // A product without options, two of them.
        await page.getByRole("link", { name: "Back to the catalog" }).click();
        await page.getByRole("link", { name: "Gimbap", exact: true }).click(); // on the first page
        await page.getByRole("heading", { name: "Gimbap" }).waitFor();
        await page.getByLabel("Quantity").fill("2");
        await page.getByRole("button", { name: "Add to cart" }).click();
        await header.getByRole("link", { name: /Cart 3/ }).waitFor();

        // The cart: one more Gimbap, then the total.
        await header.getByRole("link", { name: /Cart 3/ }).click();
        await page.getByRole("heading", { name: "Cart" }).waitFor();
        await page.getByRole("button", { name: "One more Gimbap" }).click();
        await header.getByRole("link", { name: /Cart 4/ }).waitFor();
        const total = 30_000 + 3 * 3_500;
        await page.getByText(`4 items, total ₩${total.toLocaleString("en-US")}`).waitFor();
        await checkPage(page, "cart");

        // Pay with points.
        await page.getByRole("link", { name: "Check out" }).click();
        await page.getByRole("heading", { name: "Checkout" }).waitFor();
        await checkPage(page, "checkout");
        await page.getByRole("button", { name: /with points/ }).click();
        await page.getByRole("heading", { name: "Thank you" }).waitFor();
        await page.getByRole("status").filter({ hasText: "is paid" }).waitFor();
        await header.getByRole("link", { name: /Cart 0/ }).waitFor();
        await header
          .getByRole("link", { name: new RegExp(`Points ₩${(1_000_000 - total).toLocaleString("en-US")}`) })
          .waitFor();
        await checkPage(page, "order-placed");

        // The stock went down by what was bought: L had 50.
        await page.goto(`${origin}/products/1`);
        await page.getByLabel(/^L, ₩30,000 · 49 in stock/).waitFor();

        // My orders: cancel the Gimbap line; its ₩10,500 goes back to points.
        const balanceAfterOrder = 1_000_000 - total;
        await header.getByRole("link", { name: "My orders" }).click();
        await page.getByRole("heading", { name: "My orders" }).waitFor();
        await page.getByRole("heading", { name: /Order \d+ · Paid/ }).waitFor();
        await checkPage(page, "orders");
        await page.getByRole("button", { name: /^Cancel Gimbap of order/ }).click();
        await page.getByRole("heading", { name: /Order \d+ · Partly cancelled/ }).waitFor();
        const pointsRow = page.getByRole("row", { name: /^Points/ });
        await expect.poll(() => pointsRow.textContent()).toBe(`Points₩${total.toLocaleString("en-US")}₩10,500`);
        await header
          .getByRole("link", { name: new RegExp(`Points ₩${(balanceAfterOrder + 10_500).toLocaleString("en-US")}`) })
          .waitFor();
        await checkPage(page, "orders-cancelled");

        // My points: the refund in the history, and a charge.
        await header.getByRole("link", { name: /Points ₩/ }).click();
        await page.getByRole("heading", { name: "My points" }).waitFor();
        await page.getByRole("cell", { name: /^Refunded \(order \d+\)$/ }).waitFor();
        await page.getByLabel("Amount to charge (won)").fill("5000");
        await page.getByRole("button", { name: "Charge ₩5,000" }).click();
        await page.getByRole("status").filter({ hasText: "₩5,000 charged." }).waitFor();
        await header
          .getByRole("link", { name: new RegExp(`Points ₩${(balanceAfterOrder + 15_500).toLocaleString("en-US")}`) })
          .waitFor();
        await page.getByRole("cell", { name: "Charged" }).first().waitFor();
        await checkPage(page, "points");

        await header.getByRole("link", { name: "Popular" }).click();
        await page.getByRole("heading", { name: "Popular products" }).waitFor();
        await page.getByText(/Loading/).waitFor({ state: "detached" });
        await checkPage(page, "popular");
      });
    },
  );

  it(
    "pays by card with part in points in the PG's popup, cancels with the refund split; Cancel in the PG's window releases the stock",
    { timeout: 120_000 },
    async (context) => {
      requireBrowser(context, "the storefront browser test");
      const { app, pg, browser } = started();
      const origin = app.url;
      const pgOrigin = pg.url;

      await inStorefront(browser, [origin, pgOrigin], async (page) => {
        const header = page.getByRole("banner");
        await page.goto(`${origin}/`);
        await signIn(page);
        const balanceBefore = await headerBalance(page);

        // The backpack (₩89,000, one option): ₩10,000 in points, ₩79,000 by card.
        await page.goto(`${origin}/products/3`);
        await page.getByRole("heading", { name: "ILLIT backpack" }).waitFor();
        await page.getByText("12 in stock").waitFor();
        await page.getByRole("button", { name: "Add to cart" }).click();
        await header.getByRole("link", { name: /Cart 1/ }).waitFor();
        await header.getByRole("link", { name: /Cart 1/ }).click();
        await page.getByRole("link", { name: "Check out" }).click();
        await page.getByRole("heading", { name: "Checkout" }).waitFor();
        await page.getByLabel("Points to use").fill("10000");
        const popupOpens = page.waitForEvent("popup");
        await page.getByRole("button", { name: "Pay ₩79,000 by card" }).click();
        const popup = await popupOpens;
        await popup.waitForLoadState();
        expect(new URL(popup.url()).origin, "the PG's window is on the PG's origin").toBe(pgOrigin);
        await page.getByRole("status").filter({ hasText: "window" }).waitFor();
        // The bundled fake PG's window (a real PG's is its own business; this one is ours, so it is checked too).
        await checkPage(popup, "pg-window");
        await popup.getByRole("button", { name: "Pay", exact: true }).click();

        // The PG sends its window to the storefront's success page, which confirms the payment.
        await popup.getByRole("heading", { name: "Payment complete: PAID" }).waitFor();
        expect(new URL(popup.url()).pathname).toBe("/checkout/success");
        await popup.getByText("₩79,000 by card and ₩10,000 in points").waitFor();
        await checkPage(popup, "checkout-success");

        // The checkout page heard from the window: cart empty, balance down by the point part.
        await page.getByRole("heading", { name: "Thank you" }).waitFor();
        await header.getByRole("link", { name: /Cart 0/ }).waitFor();
        await expect.poll(() => headerBalance(page)).toBe(balanceBefore - 10_000);
        await checkPage(page, "card-paid");
        await popup.getByRole("button", { name: "Close this window" }).click();

        // My orders: cancelling the backpack refunds it split as it was paid, card first, then points.
        await header.getByRole("link", { name: "My orders" }).click();
        const cardOrder = page.getByRole("article").filter({ hasText: "ILLIT backpack" });
        await cardOrder.getByRole("heading", { name: /Order \d+ · Paid/ }).waitFor();
        await cardOrder.getByRole("button", { name: /^Cancel ILLIT backpack of order/ }).click();
        await cardOrder.getByRole("heading", { name: /Order \d+ · Cancelled/ }).waitFor();
        expect(await cardOrder.getByRole("row", { name: /^Card/ }).textContent()).toBe("Card₩79,000₩79,000");
        expect(await cardOrder.getByRole("row", { name: /^Points/ }).textContent()).toBe("Points₩10,000₩10,000");
        await expect.poll(() => headerBalance(page)).toBe(balanceBefore);
        await checkPage(page, "orders-refund-split");

        // The fail path: Cancel in the PG's window; the held stock comes back.
        await page.goto(`${origin}/products/3`);
        await page.getByRole("heading", { name: "ILLIT backpack" }).waitFor();
        await page.getByText("12 in stock").waitFor();
        await page.getByRole("button", { name: "Add to cart" }).click();
        await header.getByRole("link", { name: /Cart 1/ }).click();
        await page.getByRole("link", { name: "Check out" }).click();
        const secondPopup = page.waitForEvent("popup");
        await page.getByRole("button", { name: "Pay ₩89,000 by card" }).click();
        const cancelWindow = await secondPopup;
        await cancelWindow.getByRole("button", { name: "Cancel" }).click();
        await cancelWindow.getByRole("heading", { name: "Payment failed" }).waitFor();
        expect(new URL(cancelWindow.url()).pathname).toBe("/checkout/fail");
        await cancelWindow.getByText("You cancelled the payment, so you were not charged.").waitFor();
        await checkPage(cancelWindow, "checkout-fail");
        await page.getByRole("status").filter({ hasText: "you were not charged" }).waitFor();
        await expect.poll(() => headerBalance(page)).toBe(balanceBefore);
        await header.getByRole("link", { name: /Cart 1/ }).waitFor();
        await page.goto(`${origin}/products/3`);
        await page.getByText("12 in stock").waitFor();
      });
    },
  );

  it(
    "a card checkout by keyboard alone: focus order from the product to the PG's popup and back",
    { timeout: 120_000 },
    async (context) => {
      requireBrowser(context, "the storefront browser test");
      const { app, pg, browser } = started();
      const origin = app.url;

      await inStorefront(browser, [origin, pg.url], async (page) => {
        const header = page.getByRole("banner");
        await page.goto(`${origin}/products/2`);
        await page.getByRole("heading", { name: "Wide pants" }).waitFor();

        // The page opens with the focus on its heading; the header is behind it, the skip link first.
        expect(await focused(page)).toEqual({ tag: "h1", name: "Wide pants" });
        expect(await tabTo(page, /^Skip to content$/, { backwards: true })).toEqual([
          "Sign up",
          "Sign in",
          "Popular",
          "Catalog",
          "Shop",
          "Skip to content",
        ]);
        await tabTo(page, /^Sign in$/);
        await page.keyboard.press("Enter");
        await page.getByRole("heading", { name: "Sign in" }).waitFor();
        // Each page opens with the focus on its heading, so Tab starts from the page's top.
        expect(await focused(page)).toEqual({ tag: "h1", name: "Sign in" });
        await tabTo(page, /^Login ID$/);
        await page.keyboard.type(DEMO.loginId);
        expect(await tabTo(page, /^Password$/)).toEqual(["Password"]);
        await page.keyboard.type(DEMO.password);
        await page.keyboard.press("Enter");
        await header.getByRole("link", { name: /Points ₩/ }).waitFor();

        const balanceBefore = await headerBalance(page);

        // Back on the product (sign-in returns to the catalog): an option chosen with the arrow keys,
        // quantity 2, added with Enter.
        await page.goto(`${origin}/products/2`);
        await page.getByRole("heading", { name: "Wide pants" }).waitFor();
        await tabTo(page, /^Black \/ 28,/);
        await page.keyboard.press("ArrowDown");
        expect((await focused(page)).name).toMatch(/^Black \/ 30,/);
        expect(await page.getByLabel(/^Black \/ 30,/).isChecked()).toBe(true);
        expect(await tabTo(page, /^Quantity$/)).toEqual(["Quantity"]);
        await page.keyboard.press("ControlOrMeta+A");
        await page.keyboard.type("2");
        expect(await tabTo(page, /^Add to cart$/)).toEqual(["Add to cart"]);
        await page.keyboard.press("Enter");
        await page.getByRole("status").filter({ hasText: "added to your cart" }).waitFor();
        // The note's link to the cart comes before the button: one Shift+Tab back.
        expect(await tabTo(page, /^Go to the cart$/, { backwards: true })).toEqual(["Go to the cart"]);
        await page.keyboard.press("Enter");
        await page.getByRole("heading", { name: "Cart" }).waitFor();
        await tabTo(page, /^Check out$/);
        await page.keyboard.press("Enter");
        await page.getByRole("heading", { name: "Checkout" }).waitFor();

        // The checkout in reading order: pay with points, then the card's point part, then pay by card.
        const order = await tabTo(page, /by card$/);
        expect(order.filter((name) => /^Pay |^Points to use$/.test(name))).toEqual([
          expect.stringMatching(/with points$/),
          "Points to use",
          expect.stringMatching(/by card$/),
        ]);
        await tabTo(page, /^Points to use$/, { backwards: true });
        await page.keyboard.press("ControlOrMeta+A");
        await page.keyboard.type("1000");
        await tabTo(page, /by card$/);
        const popupOpens = page.waitForEvent("popup");
        await page.keyboard.press("Enter");
        const popup = await popupOpens;
        await popup.waitForLoadState();

        // In the PG's window: Pay is reached by Tab and pressed with Enter.
        await tabTo(popup, /^Pay$/);
        await popup.keyboard.press("Enter");
        await popup.getByRole("heading", { name: "Payment complete: PAID" }).waitFor();
        expect(await focused(popup)).toEqual({ tag: "h1", name: "Payment complete: PAID" });
        await page.getByRole("heading", { name: "Thank you" }).waitFor();
        await tabTo(popup, /^Close this window$/);
        const closed = popup.waitForEvent("close");
        // Enter activates a button on its way down; the window is gone before a key-up could reach it.
        await popup.keyboard.down("Enter");
        await closed;
        await header.getByRole("link", { name: /Cart 0/ }).waitFor();
        await expect.poll(() => headerBalance(page)).toBe(balanceBefore - 1_000);
      });
    },
  );
});
