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

/** The error `promise` rejects with, whatever its type; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.unreachable("expected a rejection, but the promise resolved");
}
