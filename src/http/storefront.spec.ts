import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/config.js";
import { STOREFRONT_ROUTES, storefrontCsp, storefrontRoutes } from "./storefront.js";

/** An Express app with the storefront's routes in front of a stand-in API route, on a free port. */
async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({ STOREFRONT_DIR: dir, PG_SDK_URL: "https://pg.example.com:8443/v1/sdk.js" });
  const app = express();
  app.get("/healthz", (_req, res) => void res.json({ status: "ok" }));
  app.use(storefrontRoutes(config));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("storefront routes", () => {
  const built = mkdtempSync(path.join(tmpdir(), "storefront-"));
  const INDEX = '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>';
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    mkdirSync(path.join(built, "assets"));
    writeFileSync(path.join(built, "index.html"), INDEX);
    writeFileSync(path.join(built, "assets", "index-abc123.js"), "console.log(1);");
    server = await serve(built);
  });
  afterAll(async () => {
    await server.close();
    rmSync(built, { recursive: true, force: true });
  });

  it("answers index.html under a strict CSP, uncached, for every client route", async () => {
    const paths = STOREFRONT_ROUTES.map((route) => route.replace(":id", "42"));
    for (const route of [...paths, "/checkout/success?paymentKey=k&orderId=o&amount=1"]) {
      const response = await fetch(server.url + route);
      expect(response.status, route).toBe(200);
      expect(await response.text()).toBe(INDEX);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toBe(
        storefrontCsp("https://pg.example.com:8443/v1/sdk.js"),
      );
    }
  });

  it("allows scripts from itself and the PG's SDK origin only, and nothing inline", () => {
    const csp = storefrontCsp("https://pg.example.com:8443/v1/sdk.js");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self' https://pg.example.com:8443;");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain("unsafe");
  });

  it("serves hashed assets with a year's immutable cache", async () => {
    const response = await fetch(`${server.url}/assets/index-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });

  it("leaves API routes and unknown paths alone", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${server.url}/products/1/extra`)).status).toBe(404);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it("answers 503 with what to run when the storefront is not built", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "storefront-missing-"));
    const unbuilt = await serve(empty);
    try {
      const response = await fetch(`${unbuilt.url}/cart`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain("npm run build");
      expect((await fetch(`${unbuilt.url}/healthz`)).status).toBe(200);
    } finally {
      await unbuilt.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
