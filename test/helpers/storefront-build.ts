import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "vite";
import { repositoryRoot } from "../../src/process/paths.js";

/**
 * Builds the storefront (web/) with the project's vite.config.ts into a new temporary folder and
 * returns it, for STOREFRONT_DIR: a browser test sees the sources as they are now, whether or not
 * `npm run build` ran, and never writes over dist/web. Takes a second or two.
 */
export async function buildStorefront(): Promise<string> {
  const outDir = mkdtempSync(path.join(tmpdir(), "storefront-build-"));
  const root = repositoryRoot();
  // As `npm run build` builds it. Vitest sets NODE_ENV=test, which Vite and the React plugin read
  // for a development build (React's jsxDEV runtime): production for the build, then back.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      configFile: path.join(root, "vite.config.ts"),
      root: path.join(root, "web"),
      mode: "production",
      logLevel: "warn",
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}
