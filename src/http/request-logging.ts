import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Logger } from "../observability/logger.js";
import { requestIdFrom } from "./request-context.js";

declare module "express-serve-static-core" {
  interface Locals {
    requestId: string;
    /** The logger for this request: every line it writes carries the request id. */
    log: Logger;
  }
}

/** A request's id and its logger, whichever way the request came in (Express, or the GraphQL fast path). */
export interface RequestScope {
  readonly requestId: string;
  /** Every line it writes carries the request id. */
  readonly log: Logger;
}

/**
 * Gives a request its id (the caller's x-request-id when sane), echoes it in the response, and logs
 * one line when the response is sent. Bodies and headers are never logged, so neither are passwords
 * or tokens.
 *
 * The request's child logger is made on first use: at level warn most requests never log, and a
 * pino child per request showed in the products-page profile.
 */
export function beginRequest(log: Logger, req: IncomingMessage, res: ServerResponse, path: string): RequestScope {
  const requestId = requestIdFrom(req.headers);
  const started = process.hrtime.bigint();
  let child: Logger | undefined;
  const scope: RequestScope = {
    requestId,
    get log() {
      return (child ??= log.child({ requestId }));
    },
  };
  res.setHeader("x-request-id", requestId);
  res.on("finish", () => {
    // Health checks and scrapes every few seconds would drown everything else at info.
    const quiet = path === "/healthz" || path === "/readyz" || path === "/metrics";
    const level = quiet ? "debug" : "info";
    if (!log.isLevelEnabled(level)) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    scope.log[level]({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "request");
  });
  return scope;
}

/** beginRequest as Express middleware: the scope lands in res.locals. */
export function requestLogging(log: Logger): RequestHandler {
  return (req, res, next) => {
    const scope = beginRequest(log, req, res, req.path); // req.path read now: mounted routers rewrite req.url
    res.locals.requestId = scope.requestId;
    Object.defineProperty(res.locals, "log", { get: () => scope.log, enumerable: true, configurable: true });
    next();
  };
}
