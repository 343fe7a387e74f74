import { expect } from "vitest";
import { DomainError } from "../../src/shared/errors.js";

/** The DomainError `fn` throws, for asserting on its code and details; fails the test if none is thrown. */
export function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  return expect.unreachable("expected a DomainError, but nothing was thrown");
}
