import { describe, expect, it } from "vitest";
import { ErrorCode } from "../shared/errors.js";
import { adminOnly, anonymous, requireMemberId, unauthenticated, type Viewer } from "./viewer.js";
import { thrown } from "../../test/helpers/thrown.js";

type SignedOut = Exclude<Viewer, { kind: "member" }>;

const signedOut: Array<[string, SignedOut]> = [
  ["an anonymous caller", { kind: "anonymous" }],
  ["an expired token", { kind: "rejected", reason: "expired" }],
  ["an invalid token", { kind: "rejected", reason: "invalid" }],
];

describe(requireMemberId.name, () => {
  it.each(["MEMBER", "ADMIN"] as const)("returns the member id of a signed-in %s", (role) => {
    expect(requireMemberId({ kind: "member", memberId: 42, role })).toBe(42);
  });

  it.each(signedOut)("refuses %s with the UNAUTHENTICATED error saying why", (_, viewer) => {
    const error = thrown(() => requireMemberId(viewer));
    const expected = unauthenticated(viewer);
    expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(error.message).toBe(expected.message);
    expect(error.details).toEqual(expected.details);
  });

  it("treats the shared anonymous viewer as signed out", () => {
    expect(thrown(() => requireMemberId(anonymous)).code).toBe(ErrorCode.UNAUTHENTICATED);
  });
});

describe(unauthenticated.name, () => {
  it("tells an anonymous caller how to sign in, with no reason to report", () => {
    const error = unauthenticated({ kind: "anonymous" });
    expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(error.message).toMatch(/Authorization: Bearer/);
    expect(error.details).toEqual({});
  });

  it("tells the holder of an expired token to sign in again", () => {
    const error = unauthenticated({ kind: "rejected", reason: "expired" });
    expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(error.message).toMatch(/expired/);
    expect(error.details).toEqual({ reason: "expired" });
  });

  it("says an invalid token is not valid", () => {
    const error = unauthenticated({ kind: "rejected", reason: "invalid" });
    expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(error.message).toMatch(/not valid/);
    expect(error.details).toEqual({ reason: "invalid" });
  });
});

describe(adminOnly.name, () => {
  it("is FORBIDDEN", () => {
    expect(adminOnly().code).toBe(ErrorCode.FORBIDDEN);
  });
});
