import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createDocumentStore, retainedDocumentBytes } from "./document-store.js";

describe("retainedDocumentBytes", () => {
  it("counts every token of the document and its text", () => {
    // <SOF> { products { id } } <EOF>: 8 tokens, 19 characters.
    expect(retainedDocumentBytes(parse("{ products { id } }"))).toBe(8 * 480 + 19 * 2);
  });

  it("grows with the text, so a long document costs what it keeps alive", () => {
    const short = retainedDocumentBytes(parse("{ a }"));
    const long = retainedDocumentBytes(parse(`{ ${Array.from({ length: 100 }, (_, i) => `f${i}`).join(" ")} }`));
    expect(long).toBeGreaterThan(20 * short);
  });

  it("is the text alone for a document parsed without locations", () => {
    expect(retainedDocumentBytes(parse("{ a }", { noLocation: true }))).toBe(0);
  });
});

describe("createDocumentStore", () => {
  it("keeps documents up to its size and drops the least recently used past it", async () => {
    // 1 MiB holds a few hundred small documents: a thousand distinct ones cannot all stay.
    const store = createDocumentStore(1);
    for (let i = 0; i < 1_000; i += 1)
      await store.set(`doc-${i}`, parse(`{ p${i}: products(first: ${i}) { id name } }`));
    const kept = store.keys();
    expect(kept.length).toBeGreaterThan(50);
    expect(kept.length).toBeLessThan(1_000);
    expect(await store.get("doc-999")).toBeDefined();
    expect(await store.get("doc-0")).toBeUndefined();
  });
});
