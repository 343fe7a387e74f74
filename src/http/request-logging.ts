import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";
import { requestIdFrom } from "./request-context.js";

declare module "express-serve-static-core" {
  interface Locals {
    requestId: string;
    /** The logger for this request: every line it writes carries the request id. */
    log: Logger;
  }
}

/**
 * Gives every request an id (the caller's x-request-id when sane), echoes it in the response, and
 * logs one line when the response is sent. Bodies and headers are never logged, so neither are
 * passwords or tokens.
 */
export function requestLogging(log: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.headers);
    const started = process.hrtime.bigint();
    const path = req.path; // read now: mounted routers rewrite req.url while they run
    res.locals.requestId = requestId;
    res.locals.log = log.child({ requestId });
    res.setHeader("x-request-id", requestId);
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Health checks and scrapes every few seconds would drown everything else at info.
      const quiet = path === "/healthz" || path === "/readyz" || path === "/metrics";
      res.locals.log[quiet ? "debug" : "info"]({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "request");
    });
    next();
  };
}
