import { badUserInput } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A keyset page request: rows with id below `beforeId` (newest first), `first` of them. */
export interface PageRequest {
  first: number;
  beforeId: number | null;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

const CURSOR_PREFIX = "id:";

/** Cursors are opaque to clients; inside they carry the last row's id so pages stay stable under inserts. */
export function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const digits = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : "";
  const id = /^[1-9][0-9]{0,15}$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(id)) throw badUserInput("after", "after is not a cursor this API returned");
  return id;
}

/** Validates `first` (1..100) and decodes `after` into a keyset request. */
export function toPageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput("first", `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return { first: size, beforeId: after == null ? null : decodeCursor(after) };
}

/**
 * Turns `first + 1` rows fetched newest first into a page: the extra row only says whether there is
 * a next page, which saves a second query.
 */
export function toPage<T extends { id: number }>(rows: T[], request: PageRequest): Page<T> {
  const hasNextPage = rows.length > request.first;
  const items = hasNextPage ? rows.slice(0, request.first) : rows;
  const last = items.at(-1);
  return { items, hasNextPage, endCursor: last ? encodeCursor(last.id) : null };
}
