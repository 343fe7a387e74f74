import { readFile } from "node:fs/promises";
import path from "node:path";
import express, { type Router } from "express";
import type { Config } from "../config/config.js";
import { repositoryRoot } from "../process/paths.js";

/**
 * The storefront's client routes (web/src/routes.ts): each answers the same index.html and the app
 * picks the page from the address. Listed one by one, so no API route (/graphql, /healthz, /readyz,
 * /metrics, /admin/queues, /webhooks/pg) can be shadowed and an unknown path stays a 404.
 */
export const STOREFRONT_ROUTES = [
  "/",
  "/products/:id",
  "/popular",
  "/cart",
  "/checkout",
  "/checkout/success",
  "/checkout/fail",
  "/orders",
  "/points",
  "/signin",
  "/signup",
];

/**
 * The storefront's Content-Security-Policy: scripts from this server and from the PG's SDK origin
 * (config.pg.sdkUrl, loaded at checkout), styles and API calls from this server only, no inline
 * script or style anywhere, nothing may frame the page.
 */
export function storefrontCsp(sdkUrl: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' ${new URL(sdkUrl).origin}`,
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** Where the built storefront is: STOREFRONT_DIR, else dist/web (what `npm run build` writes). */
const storefrontDir = (config: Config): string => config.storefrontDir ?? path.join(repositoryRoot(), "dist", "web");

/**
 * Serves the built storefront (`vite build`): hashed files under /assets cached for a year (a new
 * build has new names), index.html for every client route, never cached. Without a build, the
 * routes answer 503 with what to run; the API itself is unaffected.
 */
export function storefrontRoutes(config: Config): Router {
  const dir = storefrontDir(config);
  const csp = storefrontCsp(config.pg.sdkUrl);
  const router = express.Router();
  router.use(
    "/assets",
    express.static(path.join(dir, "assets"), { immutable: true, maxAge: "365d", index: false, redirect: false }),
  );
  let indexHtml: Buffer | null = null;
  router.get(STOREFRONT_ROUTES, async (_req, res) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    indexHtml ??= await readFile(path.join(dir, "index.html")).catch(() => null);
    if (indexHtml === null) {
      res
        .status(503)
        .type("text/plain")
        .send(`The storefront is not built (no ${path.join(dir, "index.html")}): run \`npm run build\`.\n`);
      return;
    }
    res.setHeader("Content-Security-Policy", csp);
    res.setHeader("Cache-Control", "no-cache");
    res.type("html").send(indexHtml);
  });
  return router;
}
