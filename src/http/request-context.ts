import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthTokens } from "../auth/auth-token.js";
import { anonymous, type Viewer } from "../auth/viewer.js";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's request id when it is a sane token (so logs can be joined across hops), else a new one. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Who is calling. A bad or expired token is not an error here: public queries still answer, and
 * anything that needs a member says UNAUTHENTICATED with the reason.
 */
export async function viewerFrom(headers: IncomingHttpHeaders, tokens: AuthTokens): Promise<Viewer> {
  const header = headers.authorization;
  if (!header) return anonymous;
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (token === undefined) return { kind: "rejected", reason: "invalid" };
  const checked = await tokens.verify(token);
  return checked.ok ? { kind: "member", ...checked.claims } : { kind: "rejected", reason: checked.reason };
}
