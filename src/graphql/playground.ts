import { gzipSync } from "node:zlib";
import type { Request, Response } from "express";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";

/**
 * GraphiQL for people who open /graphql in a browser. The page from @graphql-yoga/render-graphiql
 * carries its scripts and styles inline (~9 MB), so nothing loads from a CDN and it works offline.
 * It is rendered and gzipped once, at start-up, not per request.
 */
export function createPlayground(endpoint: string) {
  const html = Buffer.from(
    renderGraphiQL({
      endpoint,
      title: "Shop GraphQL playground",
      defaultQuery:
        "query Products {\n  products(first: 5) {\n    totalCount\n    nodes { id name price stock options { id name price stock } }\n  }\n}\n",
    }),
  );
  const gzipped = gzipSync(html, { level: 9 });
  // Each source below is needed by the page, as test/e2e/playground-browser.spec.ts shows in Chromium
  // (it fails on any CSP violation); nothing else is allowed.
  const csp = [
    "default-src 'self'",
    // All of GraphiQL is one inline <script> (no src). No eval or new Function anywhere in it or in
    // its workers, so no 'unsafe-eval'.
    "script-src 'self' 'unsafe-inline'",
    // The Monaco editors' three workers (editor, JSON, GraphQL language service) are module workers
    // started from blob: URLs the inline script makes; blocked, Monaco runs them on the main thread
    // and the query editor loses validation and completion. Workers take this directive, not script-src.
    "worker-src blob:",
    // The page's <style> element, and the style attributes and <style> elements React and Monaco add.
    "style-src 'self' 'unsafe-inline'",
    // The favicon, and the icons and fonts (Monaco's codicons, GraphiQL's) inlined as data: URLs.
    "img-src 'self' data:",
    "font-src 'self' data:",
    // Introspection and the queries go to this server only.
    "connect-src 'self'",
    // Nothing may frame the page, change its base URL or embed plugins.
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");

  return {
    /**
     * A browser navigation: a GET that prefers HTML. GraphiQL writes `?query=` into the address bar,
     * so a reload carries one; clients asking for JSON still reach Apollo with their GET queries.
     */
    wants(req: Request): boolean {
      return req.method === "GET" && req.accepts(["application/json", "text/html"]) === "text/html";
    },
    send(req: Request, res: Response): void {
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.setHeader("Content-Security-Policy", csp);
      res.setHeader("Cache-Control", "no-cache");
      res.setHeader("Vary", "Accept, Accept-Encoding");
      if (req.acceptsEncodings("gzip") === "gzip") {
        res.setHeader("Content-Encoding", "gzip");
        res.end(gzipped);
      } else {
        res.end(html);
      }
    },
  };
}
