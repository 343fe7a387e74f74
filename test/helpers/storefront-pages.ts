import { mkdirSync } from "node:fs";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { RECORD_CSP_VIOLATIONS, TEST_OUTPUT } from "./chromium.js";

/** The demo member SEED_DEMO_DATA creates, with ₩1,000,000 in points. */
export const DEMO = { loginId: "demo", password: "demo-pass-1234" };

/** What every page of a browser context did wrong: CSP violations, uncaught errors, foreign requests. */
export class PageProblems {
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

  /** No page threw, asked anywhere but the allowed origins, or complained about the CSP. */
  expectNone(): void {
    expect(this.pageErrors, "uncaught errors in the pages").toEqual([]);
    expect(this.foreignRequests, "requests to anywhere but the shop and the PG").toEqual([]);
    expect(
      this.consoleErrors.filter((text) => /content[- ]security[- ]policy|\bCSP\b/i.test(text)),
      "console errors about the CSP",
    ).toEqual([]);
  }

  /** The CSP violations a page recorded since it loaded its current document. */
  static async cspViolations(page: Page): Promise<string[]> {
    return page.evaluate<string[]>("window.__cspViolations ?? []");
  }
}

/**
 * Runs a story in a fresh browser context at phone width (the storefront is used on phones first),
 * every page watched for problems. A failure carries what the pages said: the first thing to read
 * when a wait times out.
 */
export async function inStorefront(
  browser: Browser,
  allowedOrigins: string[],
  story: (page: Page, problems: PageProblems) => Promise<void>,
): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const problems = new PageProblems(context, allowedOrigins);
  try {
    await context.addInitScript(RECORD_CSP_VIOLATIONS);
    const page = await context.newPage();
    problems.watch(page);
    await story(page, problems);
    problems.expectNone();
  } catch (error) {
    throw new Error(
      `${String(error)}\npage errors: ${JSON.stringify(problems.pageErrors)}\nconsole errors: ${JSON.stringify(problems.consoleErrors)}`,
      { cause: error },
    );
  } finally {
    await context.close();
  }
}

/**
 * Checks the page as it stands: no CSP violation, no serious or critical axe finding, nothing wider
 * than the window; then a screenshot.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  expect(await PageProblems.cspViolations(page), `CSP violations on ${name}`).toEqual([]);
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = axe.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`,
    );
  expect(serious, `serious or critical accessibility violations on ${name}`).toEqual([]);
  // Works at phone width: nothing wider than the window, so nothing scrolls sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} is wider than the window by ${overflow}px`).toBeLessThanOrEqual(0);
  mkdirSync(TEST_OUTPUT, { recursive: true });
  await page.screenshot({ path: `${TEST_OUTPUT}storefront-${name}.png`, fullPage: true });
}

/** Signs the demo member in from wherever the page is, and waits for the header to say so. */
export async function signIn(page: Page): Promise<void> {
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
export async function headerBalance(page: Page): Promise<number> {
  const text =
    (await page
      .getByRole("banner")
      .getByRole("link", { name: /Points ₩/ })
      .textContent()) ?? "";
  return Number(text.replace(/[^0-9]/g, ""));
}

/** The focused element as a keyboard user meets it: its role-ish tag and the name it is announced by. */
export async function focused(page: Page): Promise<{ tag: string; name: string }> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return { tag: "body", name: "" };
    const labelled = element instanceof HTMLInputElement ? element.labels?.[0]?.textContent : undefined;
    const name = element.getAttribute("aria-label") ?? labelled ?? element.textContent;
    return { tag: element.tagName.toLowerCase(), name: name.replace(/\s+/g, " ").trim() };
  });
}

/**
 * Presses Tab (Shift+Tab when `backwards`) until the focused element's name matches, as a keyboard
 * user would, and returns the names of the stops on the way (the focus order). Fails after
 * `maxStops` presses: the element is not reachable by keyboard.
 */
export async function tabTo(
  page: Page,
  name: RegExp,
  { backwards = false, maxStops = 30 }: { backwards?: boolean; maxStops?: number } = {},
): Promise<string[]> {
  const stops: string[] = [];
  for (let press = 0; press < maxStops; press++) {
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
    const now = await focused(page);
    stops.push(now.name);
    if (name.test(now.name)) return stops;
  }
  throw new Error(
    `${String(name)} not reached by ${backwards ? "Shift+Tab" : "Tab"} in ${maxStops} stops: ${JSON.stringify(stops)}`,
  );
}
