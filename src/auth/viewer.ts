import { DomainError, ErrorCode } from "../shared/errors.js";
import type { Role } from "../shared/roles.js";

/** Who is calling, as far as the bearer token says. Resolved once per request in the GraphQL context. */
export type Viewer =
  | { kind: "anonymous" }
  | { kind: "member"; memberId: number; role: Role }
  | { kind: "rejected"; reason: "expired" | "invalid" };

export const anonymous: Viewer = { kind: "anonymous" };

/** The caller's member id, or UNAUTHENTICATED saying why (no token, expired, invalid). */
export function requireMemberId(viewer: Viewer): number {
  if (viewer.kind === "member") return viewer.memberId;
  throw unauthenticated(viewer);
}

export function unauthenticated(viewer: Exclude<Viewer, { kind: "member" }>): DomainError {
  if (viewer.kind === "anonymous") {
    return new DomainError(ErrorCode.UNAUTHENTICATED, "sign in first: send Authorization: Bearer <token>");
  }
  return new DomainError(
    ErrorCode.UNAUTHENTICATED,
    viewer.reason === "expired" ? "the token has expired: sign in again" : "the token is not valid",
    { reason: viewer.reason },
  );
}

export const adminOnly = (): DomainError => new DomainError(ErrorCode.FORBIDDEN, "only an ADMIN may do this");
