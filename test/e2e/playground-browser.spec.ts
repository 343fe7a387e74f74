import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  launchChromium,
  RECORD_CSP_VIOLATIONS,
  requireBrowser,
  TEST_OUTPUT,
} from "../helpers/chromium.js";
import { adminToken, createProduct } from "../helpers/factories.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/**
 * The GraphiQL page at GET /graphql, driven in a real browser: Debian's Chromium, through
 * playwright-core (which never downloads a browser of its own). Proves the page renders and runs a
 * query under the Content-Security-Policy the server sends, and that it loads nothing from elsewhere.
 *
 * How Chromium is found, launched and skipped: test/helpers/chromium.ts.
 */
const SCREENSHOT = `${TEST_OUTPUT}playground.png`;

const suffix = randomBytes(3).toString("hex");
const PRODUCT_NAMES = [`Playground Lamp ${suffix}`, `Playground Kettle ${suffix}`, `Playground Teapot ${suffix}`];
const QUERY = "query BrowserCheck { products(first: 100) { totalCount nodes { name } } }";

let app: TestApp | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  // Without Chromium the test itself fails (below), so the run counts it as failed, not skipped.
  if (!browserAvailable()) return;
  app = await startTestApp("playground_browser");
  const token = await adminToken(app);
  for (const [index, name] of PRODUCT_NAMES.entries()) {
    await createProduct(app, token, { name, price: 1000 * (index + 1), stock: 5 });
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** The text of a Monaco editor's visible lines (Monaco writes spaces as no-break spaces). */
async function editorText(page: Page, container: string): Promise<string> {
  const lines = await page.locator(`${container} .view-lines .view-line`).allInnerTexts();
  return lines.join("\n").replace(/\u00a0/g, " ");
}

describe("GraphQL playground in Chromium", () => {
  it(
    "renders GraphiQL under the server's CSP, runs a products query and shows the result",
    { timeout: 60_000 },
    async (context) => {
      requireBrowser(context, "the GraphiQL browser test");
      if (!app || !browser) throw new Error("the app or the browser did not start");
      const origin = app.url;

      const browserContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      try {
        const page = await browserContext.newPage();
        const requests: string[] = [];
        const consoleErrors: string[] = [];
        const pageErrors: string[] = [];
        page.on("request", (request) => requests.push(request.url()));
        // What the page asked the GraphQL endpoint (its schema introspection, then our query) and the answers.
        const graphqlCalls: Array<Promise<{ operation: string; status: number; body: string }>> = [];
        page.on("response", (response) => {
          const request = response.request();
          if (request.method() !== "POST" || response.url() !== `${origin}/graphql`) return;
          const operation =
            /"operationName":"(\w+)"|query (\w+)/
              .exec(request.postData() ?? "")
              ?.slice(1)
              .find(Boolean) ?? "(anonymous)";
          graphqlCalls.push(
            response.text().then((body) => ({ operation, status: response.status(), body: response.ok() ? "" : body })),
          );
        });
        page.on("console", (message) => {
          if (message.type() === "error") consoleErrors.push(message.text());
        });
        page.on("pageerror", (error) => pageErrors.push(String(error)));
        await page.addInitScript(RECORD_CSP_VIOLATIONS);

        const navigation = await page.goto(`${origin}/graphql`);
        expect(navigation?.status()).toBe(200);
        expect(await navigation?.headerValue("content-security-policy")).toBeTruthy();

        // GraphiQL has rendered when its query editor (Monaco) shows the default query.
        const queryEditor = page.getByRole("region", { name: "Operation Editor" });
        await expect
          .poll(() => editorText(page, ".graphiql-query-editor"), { timeout: 20_000 })
          .toContain("query Products");

        // Replace the query the way a person would: click into the editor, select all, type. insertText
        // sends the text as one input, so Monaco's bracket auto-closing does not add a second "}".
        await queryEditor.locator(".view-lines").click();
        await page.keyboard.press("ControlOrMeta+A");
        await page.keyboard.insertText(QUERY);
        await page.keyboard.press("ControlOrMeta+Home"); // scrolls the long line back to its start, for the screenshot
        expect(await editorText(page, ".graphiql-query-editor")).toBe(QUERY);
        // GraphiQL re-reads the operation name from the editor shortly after a change (the tab takes its
        // title from it). Run before that, and it asks for the old operation: "Cannot infer operation Products".
        await page.getByRole("tab", { name: "BrowserCheck", selected: true }).waitFor({ timeout: 10_000 });

        const response = page.waitForResponse(
          (candidate) =>
            candidate.url() === `${origin}/graphql` &&
            candidate.request().method() === "POST" &&
            (candidate.request().postData() ?? "").includes("BrowserCheck"),
        );
        await page.getByRole("button", { name: /^Execute query/ }).click();
        expect((await response).status()).toBe(200);

        // The result pane is a read-only Monaco editor holding the JSON; every line of this small
        // result is in view, so its rendered lines are the whole document.
        const readResult = async (): Promise<unknown> => {
          try {
            return JSON.parse(await editorText(page, ".graphiql-response"));
          } catch {
            return undefined; // not rendered (completely) yet
          }
        };
        await expect
          .poll(readResult, { timeout: 10_000 })
          .toHaveProperty("data.products.totalCount", PRODUCT_NAMES.length);
        const result = (await readResult()) as { data: { products: { nodes: Array<{ name: string }> } } };
        expect(result.data.products.nodes.map((node) => node.name).sort()).toEqual([...PRODUCT_NAMES].sort());

        mkdirSync(TEST_OUTPUT, { recursive: true });
        await page.screenshot({ path: SCREENSHOT });

        // Everything the page loaded (document, editor workers, introspection, the query) came from the
        // server itself, or from data: and blob: URLs the page made itself.
        expect(requests.length).toBeGreaterThan(0);
        const foreign = requests.filter((url) => {
          const parsed = new URL(url);
          if (parsed.protocol === "data:") return false;
          return parsed.origin !== origin; // blob: URLs carry the origin of the page that made them
        });
        expect(foreign, "requests to anywhere but the server").toEqual([]);

        const violations = await page.evaluate<string[]>("window.__cspViolations");
        expect(violations, "CSP violations reported by the page").toEqual([]);
        const cspErrors = consoleErrors.filter((text) => /content[- ]security[- ]policy|\bCSP\b/i.test(text));
        expect(
          cspErrors,
          `console errors about the CSP (all console errors: ${JSON.stringify(consoleErrors)})`,
        ).toEqual([]);
        expect(pageErrors, "uncaught errors in the page").toEqual([]);

        // GraphiQL's introspection must be answered too: without the schema the editor has no
        // validation, completion or docs, though queries still run.
        const calls = await Promise.all(graphqlCalls);
        expect(calls.map((call) => call.operation)).toContain("IntrospectionQuery");
        expect(
          calls.filter((call) => call.status !== 200),
          "GraphQL requests of the page that failed",
        ).toEqual([]);
      } finally {
        await browserContext.close();
      }
    },
  );
});
