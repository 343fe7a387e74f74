import { createHash } from "node:crypto";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { RequestHandler, Router } from "express";
import type { MemberService } from "../modules/member/member.service.js";
import type { OrderEventJob } from "../queue/queues.js";
import type { ClientAddressOf } from "./client-address.js";

export const QUEUE_DASHBOARD_PATH = "/admin/queues";
const VERIFIED_FOR_MS = 5 * 60 * 1000;

/**
 * HTTP Basic auth with an ADMIN member's login. A browser sends the header with every asset request,
 * so a verified header is remembered (by its hash) for a few minutes instead of running scrypt each time.
 */
export function adminBasicAuth(members: MemberService, clientIpOf: ClientAddressOf): RequestHandler {
  const verified = new Map<string, number>();
  return async (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const digest = createHash("sha256").update(header).digest("hex");
    if ((verified.get(digest) ?? 0) > Date.now()) {
      next();
      return;
    }
    const encoded = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header)?.[1];
    const [loginId, password] = encoded ? Buffer.from(encoded, "base64").toString("utf8").split(/:(.*)/s) : [];
    try {
      if (!loginId || !password) throw new Error("no credentials");
      const { member } = await members.login(loginId, password, clientIpOf(req));
      if (member.role !== "ADMIN") throw new Error("not an admin");
      if (verified.size > 1_000) verified.clear();
      verified.set(digest, Date.now() + VERIFIED_FOR_MS);
      next();
    } catch {
      res.setHeader("WWW-Authenticate", 'Basic realm="queues", charset="UTF-8"');
      res.status(401).send("ADMIN login required");
    }
  };
}

/**
 * bull-board over the event queues, for operators: waiting, active, failed jobs, with retry and
 * clean buttons. Its page asks Google for fonts; the CSP keeps it to our own origin (the fallback
 * fonts are fine), as nothing here may load from elsewhere.
 */
export function queueDashboard(queues: ReadonlyArray<Queue<OrderEventJob>>): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  const router = serverAdapter.getRouter() as Router;
  return router;
}

export const dashboardCsp: RequestHandler = (_req, res, next) => {
  res.setHeader(
    "Content-Security-Policy",
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:",
  );
  next();
};
