import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Express } from "express";
import type { AuthTokens } from "../modules/member/auth-token.js";
import { anonymous, type Viewer } from "../modules/member/viewer.js";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's request id when it is a sane token (so logs can be joined across hops), else a new one. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The caller's address as Express's req.ip gives it for `app` (its "trust proxy" setting applied),
 * for a request that did not go through Express. It calls that getter of app.request, Express's
 * documented request prototype, on a view of this request, so TRUST_PROXY means the same either way.
 */
export function clientIpOf(app: Express, req: IncomingMessage): string {
  const ip: unknown = Reflect.get(app.request, "ip", { app, socket: req.socket, headers: req.headers });
  return typeof ip === "string" ? ip : (req.socket.remoteAddress ?? "unknown");
}

/**
 * Who is calling. A bad or expired token is not an error here: public queries still answer, and
 * anything that needs a member says UNAUTHENTICATED with the reason.
 */
export async function viewerFrom(headers: IncomingHttpHeaders, tokens: AuthTokens): Promise<Viewer> {
  const header = headers.authorization;
  if (!header) return anonymous;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return { kind: "rejected", reason: "invalid" };
  const checked = await tokens.verify(match[1]!);
  return checked.ok ? { kind: "member", ...checked.claims } : { kind: "rejected", reason: checked.reason };
}
