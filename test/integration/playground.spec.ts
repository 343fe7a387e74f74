import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("playground");
});
afterAll(() => app.close());

/**
 * Every URL the page's markup makes the browser load: script sources, stylesheets, icons, images.
 * Inline script bodies are cut out first: the bundle holds HTML templates of its own that are not
 * part of this page.
 */
function referencedUrls(html: string): string[] {
  const markup = html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/gi, "$1$2");
  const patterns = [
    /<script[^>]*\ssrc=["']([^"']+)["']/gi,
    /<link[^>]*\shref=["']([^"']+)["']/gi,
    /<img[^>]*\ssrc=["']([^"']+)["']/gi,
  ];
  return patterns.flatMap((pattern) => [...markup.matchAll(pattern)].map((match) => match[1]!));
}

/** Absolute URLs the inline code would load by itself (dynamic imports, workers, fetches). */
function scriptLoadedUrls(html: string): string[] {
  const pattern = /\b(?:import|fetch|new Worker|importScripts)\(\s*["'`](https?:\/\/[^"'`]+)["'`]/gi;
  return [...html.matchAll(pattern)].map((match) => match[1]!);
}

describe("GraphQL playground", () => {
  it("serves GraphiQL to a browser at /graphql, loading nothing from another host", async () => {
    const response = await fetch(`${app.url}/graphql`, { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("renderYogaGraphiQL");
    expect(html).toContain('"endpoint":"/graphql"');

    for (const reference of referencedUrls(html)) {
      if (reference.startsWith("data:")) continue;
      const url = new URL(reference, `${app.url}/graphql`);
      expect(url.origin, `${reference} must come from the server itself`).toBe(app.url);
      expect((await fetch(url)).status, `${reference} must load`).toBe(200);
    }
    expect(scriptLoadedUrls(html)).toEqual([]);
    // Nothing is pulled in from the usual CDNs either.
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr|esm\.sh|cdnjs|embeddable-sandbox|apollo-server-landing-page/);
  });

  it("is served compressed, rendered once", async () => {
    const response = await fetch(`${app.url}/graphql`, { headers: { accept: "text/html", "accept-encoding": "gzip" } });
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(Number(response.headers.get("content-length"))).toBeLessThan(4_000_000);
  });

  it("leaves GraphQL over GET and POST to Apollo", async () => {
    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent("{ me { id } }")}`, {
      headers: { accept: "application/json", "apollo-require-preflight": "true" },
    });
    expect(await get.json()).toEqual({ data: { me: null } });
  });

  it("refuses a form-encoded POST (Apollo CSRF prevention)", async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    expect(response.status).toBe(400);
  });
});
