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
      defaultQuery: "query Products {\n  products(first: 5) {\n    totalCount\n    nodes { id name price stock options { id name price stock } }\n  }\n}\n",
    }),
  );
  const gzipped = gzipSync(html, { level: 9 });
  // The page is one inline script; its editor starts web workers from blob: URLs.
  const csp = [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
  ].join("; ");

  return {
    /** A browser navigation: a GET that prefers HTML and carries no GraphQL query. */
    wants(req: Request): boolean {
      return req.method === "GET" && req.query.query === undefined && req.accepts(["application/json", "text/html"]) === "text/html";
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
