import { describe, expect, it } from "vitest";
import { ErrorCode } from "./errors.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decodeCursor, encodeCursor, toPage, toPageRequest } from "./pagination.js";
import { thrown } from "../../test/helpers/thrown.js";

/** A cursor wrapping arbitrary text, the way a client could forge one. */
const forged = (text: string): string => Buffer.from(text, "utf8").toString("base64url");

describe("cursors", () => {
  it.each([1, 42, Number.MAX_SAFE_INTEGER])("decodes the cursor of id %d back to that id", (id) => {
    expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it("encodes to URL-safe text that does not show the id in plain sight", () => {
    const cursor = encodeCursor(12345);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain("12345");
  });

  it.each([
    ["an empty cursor", ""],
    ["text that is not base64", "%%%"],
    ["a bare id without the prefix", forged("42")],
    ["a prefix in another case", forged("ID:42")],
    ["a prefix with no id", forged("id:")],
    ["id 0", forged("id:0")],
    ["an id with a leading zero", forged("id:042")],
    ["a negative id", forged("id:-1")],
    ["a fractional id", forged("id:1.5")],
    ["an id with trailing text", forged("id:42x")],
    ["an id past 2^53 - 1", forged("id:9007199254740992")],
    ["a 17-digit id", forged("id:12345678901234567")],
  ])("refuses %s as the after argument", (_, cursor) => {
    const error = thrown(() => decodeCursor(cursor));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("after");
  });
});

describe(toPageRequest.name, () => {
  it.each([undefined, null])(
    `asks for ${DEFAULT_PAGE_SIZE} rows from the newest when first and after are %s`,
    (value) => {
      expect(toPageRequest(value, value)).toEqual({ first: DEFAULT_PAGE_SIZE, beforeId: null });
    },
  );

  it.each([1, MAX_PAGE_SIZE])("accepts first = %d", (first) => {
    expect(toPageRequest(first, null).first).toBe(first);
  });

  it.each([0, -1, MAX_PAGE_SIZE + 1, 2.5, NaN, Infinity])("refuses first = %d", (first) => {
    const error = thrown(() => toPageRequest(first, null));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("first");
  });

  it("continues below the id the after cursor carries", () => {
    expect(toPageRequest(5, encodeCursor(314))).toEqual({ first: 5, beforeId: 314 });
  });

  it("refuses an after cursor this API did not return", () => {
    expect(thrown(() => toPageRequest(5, "not-a-cursor")).details.field).toBe("after");
  });
});

describe(toPage.name, () => {
  const rows = (...ids: number[]) => ids.map((id) => ({ id, name: `row ${id}` }));

  it("drops the extra row fetched as a probe and says there is a next page", () => {
    const page = toPage(rows(9, 8, 7, 6), { first: 3, beforeId: null });
    expect(page.items.map((row) => row.id)).toEqual([9, 8, 7]);
    expect(page.hasNextPage).toBe(true);
    expect(page.endCursor).toBe(encodeCursor(7));
  });

  it.each([
    ["fewer rows than asked for", rows(9, 8), 8],
    ["exactly the rows asked for", rows(9, 8, 7), 7],
  ])("keeps every row and says there is no next page when given %s", (_, given, lastId) => {
    const page = toPage(given, { first: 3, beforeId: 10 });
    expect(page.items).toEqual(given);
    expect(page.hasNextPage).toBe(false);
    expect(page.endCursor).toBe(encodeCursor(lastId));
  });

  it("has no end cursor when there are no rows", () => {
    expect(toPage([], { first: 3, beforeId: 10 })).toEqual({ items: [], hasNextPage: false, endCursor: null });
  });
});
