import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import type { TestContext } from "vitest";

/**
 * Debian's Chromium, driven through playwright-core (which never downloads a browser of its own), as
 * every browser test here runs it. CI (.ci/run) installs the package when /usr/bin/chromium is
 * missing; without it a browser test fails, unless SKIP_BROWSER_TESTS=1 says to skip it.
 */
const CHROMIUM = "/usr/bin/chromium";
const SKIP_BROWSER = process.env.SKIP_BROWSER_TESTS === "1";

/** Where browser tests leave their screenshots (git ignores it). */
export const TEST_OUTPUT = fileURLToPath(new URL("../../test-output/", import.meta.url));

const CHROMIUM_MISSING =
  `${CHROMIUM} not found: this test drives Debian's Chromium. Install it with ` +
  "`apt-get update && apt-get install -y --no-install-recommends chromium` (.ci/run does this), " +
  "or set SKIP_BROWSER_TESTS=1 to skip the browser tests.";

// How Chromium runs on these machines (headless, as root, on a closed network). Without the
// background-networking flags it keeps trying to reach Google's hosts. No --user-data-dir:
// playwright-core refuses it in launch() and starts every launch on a fresh temporary profile itself.
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

/** Records CSP violations in the page (an init script), including those the console does not name as such. */
export const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(event.violatedDirective + " blocked " + event.blockedURI + " at " + event.sourceFile + ":" + event.lineNumber);
  });
`;

/** Whether this run drives a browser at all: false when skipped or when Chromium is missing (the test then fails). */
export const browserAvailable = (): boolean => !SKIP_BROWSER && existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * The first lines of a browser test: skips it when SKIP_BROWSER_TESTS=1 says so, fails it when
 * Chromium is missing (so a run without it counts it as failed, not skipped).
 */
export function requireBrowser(context: TestContext, what: string): void {
  if (SKIP_BROWSER) context.skip(`SKIP_BROWSER_TESTS=1: ${what} is skipped`);
  if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
}
