import type { Viewer } from "./viewer.js";

/**
 * Refuses a caller who is not an ADMIN now: the role as stored, not as the token says, so a demoted
 * admin loses access at once. MemberService is the implementation; a module that needs the check
 * (catalog's product administration) takes this interface, so it does not depend on the member
 * module (member -> cart -> catalog would make a cycle).
 */
export interface AdminCheck {
  requireAdmin(viewer: Viewer): Promise<unknown>;
}
