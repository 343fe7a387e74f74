import { existsSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, createProduct, fundedMembers, placeOrder } from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { freePort } from "../helpers/service-process.js";
import { buildStorefront } from "../helpers/storefront-build.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * The storefront (web/) in a real browser, Debian's Chromium through playwright-core, as the
 * playground test runs it: the demo member's journey through the pages that exist, each page
 * checked for CSP violations and by axe (no serious or critical violation), a screenshot of each
 * in test-output/storefront-<page>.png. The storefront is built from the current sources into a
 * folder of this run's own (one build per run). Waits are on what the page shows, never on time.
 *
 * CI (.ci/run) installs Debian's chromium when /usr/bin/chromium is missing; without it this file
 * fails, unless SKIP_BROWSER_TESTS=1 says to skip it.
 */
const CHROMIUM = "/usr/bin/chromium";
const SKIP_BROWSER = process.env.SKIP_BROWSER_TESTS === "1";
const OUTPUT = fileURLToPath(new URL("../../test-output/", import.meta.url));
const DEMO = { loginId: "demo", password: "demo-pass-1234" };

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(event.violatedDirective + " blocked " + event.blockedURI + " at " + event.sourceFile + ":" + event.lineNumber);
  });
`;

const CHROMIUM_MISSING =
  `${CHROMIUM} not found: this test drives Debian's Chromium. Install it with ` +
  "`apt-get update && apt-get install -y --no-install-recommends chromium` (.ci/run does this), " +
  "or set SKIP_BROWSER_TESTS=1 to skip the browser tests.";

let storefrontDir: string | undefined;
let pg: FakePgProcess | undefined;
let app: TestApp | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (SKIP_BROWSER || !existsSync(CHROMIUM)) return;
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
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  mkdirSync(OUTPUT, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await pg?.stop();
  if (storefrontDir) rmSync(storefrontDir, { recursive: true, force: true });
});

/** What every page of a browser context did wrong: CSP violations, uncaught errors, foreign requests. */
class PageProblems {
  readonly pageErrors: string[] = [];
  readonly consoleErrors: string[] = [];
  readonly foreignRequests: string[] = [];
  private readonly pages: Page[] = [];

  constructor(
    context: BrowserContext,
    private readonly allowedOrigins: string[],
  ) {
    context.on("page", (page) => this.watch(page));
  }

  watch(page: Page): void {
    if (this.pages.includes(page)) return;
    this.pages.push(page);
    page.on("pageerror", (error) => this.pageErrors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") this.consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.protocol !== "data:" && !this.allowedOrigins.includes(url.origin)) this.foreignRequests.push(url.href);
    });
  }

  /** The CSP violations a page recorded since it loaded its current document. */
  static async cspViolations(page: Page): Promise<string[]> {
    return page.evaluate<string[]>("window.__cspViolations ?? []");
  }
}

/** Checks the page as it stands: no CSP violation, no serious or critical axe finding; then a screenshot. */
async function checkPage(page: Page, name: string): Promise<void> {
  expect(await PageProblems.cspViolations(page), `CSP violations on ${name}`).toEqual([]);
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = axe.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`,
    );
  expect(serious, `serious or critical accessibility violations on ${name}`).toEqual([]);
  await page.screenshot({ path: `${OUTPUT}storefront-${name}.png`, fullPage: true });
}

/** Signs the demo member in from wherever the page is, and waits for the header to say so. */
async function signIn(page: Page): Promise<void> {
  await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel("Login ID").fill(DEMO.loginId);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page
    .getByRole("banner")
    .getByRole("link", { name: /Points ₩/ })
    .waitFor();
}

/** The balance the header shows, in won. */
async function headerBalance(page: Page): Promise<number> {
  const text =
    (await page
      .getByRole("banner")
      .getByRole("link", { name: /Points ₩/ })
      .textContent()) ?? "";
  return Number(text.replace(/[^0-9]/g, ""));
}

describe("storefront in Chromium", () => {
  it(
    "the demo member signs in, fills the cart (one product with options), pays with points, and the header follows",
    { timeout: 120_000 },
    async (context) => {
      if (SKIP_BROWSER) context.skip("SKIP_BROWSER_TESTS=1: the storefront browser test is skipped");
      if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
      if (!app || !browser || !pg) throw new Error("the app, the fake PG or the browser did not start");
      const origin = app.url;

      // Phone width: the storefront is used on phones first.
      const browserContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const problems = new PageProblems(browserContext, [origin, pg.url]);
      try {
        await browserContext.addInitScript(RECORD_CSP_VIOLATIONS);
        const page = await browserContext.newPage();
        problems.watch(page);
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

        expect(problems.pageErrors, "uncaught errors in the pages").toEqual([]);
        expect(problems.foreignRequests, "requests to anywhere but the shop and the PG").toEqual([]);
        expect(
          problems.consoleErrors.filter((text) => /content[- ]security[- ]policy|\bCSP\b/i.test(text)),
          "console errors about the CSP",
        ).toEqual([]);
      } catch (error) {
        // What the pages said is the first thing to read when a wait times out.
        throw new Error(
          `${String(error)}\npage errors: ${JSON.stringify(problems.pageErrors)}\nconsole errors: ${JSON.stringify(problems.consoleErrors)}`,
          { cause: error },
        );
      } finally {
        await browserContext.close();
      }
    },
  );
  it(
    "pays by card with part in points in the PG's popup, cancels with the refund split; Cancel in the PG's window releases the stock",
    { timeout: 120_000 },
    async (context) => {
      if (SKIP_BROWSER) context.skip("SKIP_BROWSER_TESTS=1: the storefront browser test is skipped");
      if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
      if (!app || !browser || !pg) throw new Error("the app, the fake PG or the browser did not start");
      const origin = app.url;
      const pgOrigin = pg.url;

      const browserContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const problems = new PageProblems(browserContext, [origin, pgOrigin]);
      try {
        await browserContext.addInitScript(RECORD_CSP_VIOLATIONS);
        const page = await browserContext.newPage();
        problems.watch(page);
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

        expect(problems.pageErrors, "uncaught errors in the pages").toEqual([]);
        expect(problems.foreignRequests, "requests to anywhere but the shop and the PG").toEqual([]);
      } catch (error) {
        throw new Error(
          `${String(error)}\npage errors: ${JSON.stringify(problems.pageErrors)}\nconsole errors: ${JSON.stringify(problems.consoleErrors)}`,
          { cause: error },
        );
      } finally {
        await browserContext.close();
      }
    },
  );
  it(
    "a sold-out race: another buyer takes the last unit between the cart and the payment",
    { timeout: 120_000 },
    async (context) => {
      if (SKIP_BROWSER) context.skip("SKIP_BROWSER_TESTS=1: the storefront browser test is skipped");
      if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
      if (!app || !browser || !pg) throw new Error("the app, the fake PG or the browser did not start");
      const origin = app.url;
      const lastOne = await createProduct(app, await adminToken(app), { name: "Last lamp", price: 7_000, stock: 1 });
      const [rival] = await fundedMembers(app, 1, 100_000);

      const browserContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const problems = new PageProblems(browserContext, [origin, pg.url]);
      try {
        await browserContext.addInitScript(RECORD_CSP_VIOLATIONS);
        const page = await browserContext.newPage();
        problems.watch(page);
        await page.goto(`${origin}/`);
        await signIn(page);
        const balanceBefore = await headerBalance(page);
        await page.goto(`${origin}/products/${lastOne.id}`);
        await page.getByText("Only 1 left").waitFor();
        await page.getByRole("button", { name: "Add to cart" }).click();
        await page.getByRole("status").filter({ hasText: "added to your cart" }).waitFor();
        await page.getByRole("banner").getByRole("link", { name: /^Cart/ }).click();
        await page.getByRole("link", { name: "Check out" }).click();
        await page.getByRole("heading", { name: "Checkout" }).waitFor();

        // The rival buys the last lamp while the demo member looks at the checkout page.
        expectData(await placeOrder(app, rival!, { items: [{ productId: lastOne.id, quantity: 1 }] }));

        await page.getByRole("button", { name: /with points/ }).click();
        await page.getByRole("alert").filter({ hasText: "Sorry, there is not enough stock left for that." }).waitFor();
        await page.getByText("Last lamp × 1 · sold out").waitFor();
        expect(await page.getByRole("button", { name: /with points/ }).isEnabled()).toBe(true);
        expect(await headerBalance(page), "nothing was spent").toBe(balanceBefore);
        await checkPage(page, "sold-out");
        expect(problems.pageErrors, "uncaught errors in the pages").toEqual([]);
      } catch (error) {
        throw new Error(
          `${String(error)}\npage errors: ${JSON.stringify(problems.pageErrors)}\nconsole errors: ${JSON.stringify(problems.consoleErrors)}`,
          { cause: error },
        );
      } finally {
        await browserContext.close();
      }
    },
  );
});
