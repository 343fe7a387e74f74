import type http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { type Answer, drain, sendJson } from "../fake-data-platform/json-http.js";
import { type ApiRequest, matchApiRoute, readApiRequest } from "./api-requests.js";
import type { FailureRules, RuleAction } from "./failure-rules.js";
import { type IdempotencyKeys, idempotencyScope } from "./idempotency.js";
import type { PaymentsStore } from "./payments-store.js";
import { PgError } from "./pg-error.js";
import type { LoggedRequest, RequestLog } from "./request-log.js";

/**
 * The server API, `/v1/payments/...`: confirm, cancel and the two reads, with Toss's authentication
 * and idempotency, and the injected failures of `/control` applied on the way. The order of a request:
 * logged, authenticated and validated (nothing looked up yet), matched against the failure rules,
 * its Idempotency-Key claimed, then processed in one synchronous step against the ledger.
 */

export interface PaymentsApiParts {
  secretKey: string;
  store: PaymentsStore;
  keys: IdempotencyKeys;
  rules: FailureRules;
  log: RequestLog;
  now: () => Date;
  /** Aborted when the fake closes: waits end at once and answers held back are dropped. */
  closing: () => AbortSignal;
}

export type ApiHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

export function createPaymentsApi(parts: PaymentsApiParts): ApiHandler {
  const { store, rules, keys, log } = parts;

  const send = (res: http.ServerResponse, answer: Answer): void => {
    // Once closing, say so: otherwise the client keeps the socket alive and close() waits for it.
    if (parts.closing().aborted && !res.headersSent) res.setHeader("Connection", "close");
    sendJson(res, answer.status, answer.body);
  };

  /** The payment a request is about, for the log and the failure rules to match on. */
  function identify(request: ApiRequest): Pick<LoggedRequest, "paymentKey" | "orderId"> {
    if (request.route === "confirm") return { paymentKey: request.body.paymentKey, orderId: request.body.orderId };
    if ("orderId" in request)
      return { orderId: request.orderId, paymentKey: store.findByOrderId(request.orderId)?.paymentKey };
    return { paymentKey: request.paymentKey, orderId: store.find(request.paymentKey)?.orderId };
  }

  /** One synchronous step: nothing else runs between the ledger's checks and its change. */
  function processRequest(request: ApiRequest, action: RuleAction | null): Answer {
    try {
      switch (request.route) {
        case "confirm": {
          const decline = action?.type === "decline" ? action : null;
          return { status: 200, body: store.confirm(request.body, decline) };
        }
        case "cancel":
          return { status: 200, body: store.cancel(request.paymentKey, request.body) };
        case "get": {
          const payment = "orderId" in request ? store.findByOrderId(request.orderId) : store.find(request.paymentKey);
          if (payment === undefined) throw PgError.of("NOT_FOUND_PAYMENT", "no payment matches");
          return { status: 200, body: payment };
        }
      }
    } catch (error) {
      if (error instanceof PgError) return error.toAnswer();
      throw error;
    }
  }

  /** Holds an answer back; true when it should still be sent (the hold ran out). */
  function hold(res: http.ServerResponse, ms: number | null): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const signal = parts.closing();
      const timer = ms === null ? undefined : setTimeout(() => finish(true), ms);
      const onAbort = (): void => finish(false);
      function finish(send: boolean): void {
        clearTimeout(timer);
        res.off("close", onAbort);
        signal.removeEventListener("abort", onAbort);
        resolve(send);
      }
      res.once("close", onAbort);
      signal.addEventListener("abort", onAbort, { once: true });
      // Already over before the hold began: its "close" has been and gone.
      if (signal.aborted || res.socket === null || res.socket.destroyed) finish(false);
    });
  }

  return async function handleApi(req, res, url) {
    const method = req.method ?? "";
    const route = matchApiRoute(method, url.pathname);
    if (route instanceof PgError) {
      drain(req);
      send(res, route.toAnswer());
      return;
    }
    // What the path names is logged at once: a request refused before its body is read still shows.
    const named =
      "orderId" in route ? { orderId: route.orderId } : "paymentKey" in route ? { paymentKey: route.paymentKey } : {};
    const entry = log.record({
      at: parts.now().toISOString(),
      method,
      route: route.route,
      path: url.pathname,
      ...named,
      status: null,
    });
    const reply = (answer: Answer): void => {
      entry.status = answer.status;
      send(res, answer);
    };

    let request: ApiRequest;
    try {
      request = await readApiRequest(req, route, parts.secretKey);
    } catch (error) {
      drain(req);
      if (error instanceof PgError) {
        reply(error.toAnswer());
        return;
      }
      throw error;
    }
    Object.assign(entry, identify(request));
    if ("idempotencyKey" in request) entry.idempotencyKey = request.idempotencyKey;

    const action = rules.take(request.route, { orderId: entry.orderId, paymentKey: entry.paymentKey });
    if (action !== null) entry.injected = action.type;
    if (action?.type === "error") {
      reply(new PgError(action.status, action.code, action.message).toAnswer());
      return;
    }
    if (action?.type === "drop") {
      req.socket.destroy();
      return;
    }

    let scope: string | null = null;
    let replay: Answer | null = null;
    if ("idempotencyKey" in request) {
      const candidate = idempotencyScope(parts.secretKey, method, url.pathname, request.idempotencyKey);
      const claim = keys.claim(candidate, request.body);
      if (claim.kind === "processing") {
        reply(
          PgError.of(
            "IDEMPOTENT_REQUEST_PROCESSING",
            "a request with this Idempotency-Key is still being processed",
          ).toAnswer(),
        );
        return;
      }
      if (claim.kind === "mismatch") {
        reply(
          PgError.of(
            "INVALID_IDEMPOTENCY_KEY",
            "this Idempotency-Key was used with a different request body",
          ).toAnswer(),
        );
        return;
      }
      if (claim.kind === "replay") {
        replay = claim.answer;
        entry.replayed = true;
      } else scope = candidate;
    }

    if (action?.type === "delay") {
      try {
        await sleep(action.ms, undefined, { signal: parts.closing() });
      } catch {
        if (scope !== null) keys.release(scope);
        reply({ status: 503, body: { code: "SERVICE_UNAVAILABLE", message: "the fake PG is shutting down" } });
        return;
      }
    }

    let answer: Answer;
    try {
      answer = replay ?? processRequest(request, action);
    } catch (error) {
      // A bug, answered 500 by the server: the key must not stay "processing" for ever.
      if (scope !== null) keys.release(scope);
      throw error;
    }
    if (scope !== null) keys.settle(scope, answer);
    entry.status = answer.status;
    if (action?.type === "process-then-hang" && !(await hold(res, action.ms))) {
      // The client gave up or the fake is closing: the answer is lost, the change it reports is not.
      req.socket.destroy();
      return;
    }
    send(res, answer);
  };
}
