import { randomBytes as cryptoRandomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { FAKE_PG_DEFAULT_CLIENT_KEY, FAKE_PG_DEFAULT_SECRET_KEY } from "../config/fake-pg-config.js";
import { type Answer, drain, HttpError, sendJson } from "../fake-data-platform/json-http.js";
import { type ControlHandler, createControl } from "./control.js";
import { FakeClock } from "./fake-clock.js";
import { FailureRules } from "./failure-rules.js";
import { IdempotencyKeys } from "./idempotency.js";
import type { Payment } from "./payment.js";
import { createPaymentWindow } from "./payment-window.js";
import { createPaymentsApi } from "./payments-api.js";
import { PaymentsStore } from "./payments-store.js";
import { PgError } from "./pg-error.js";
import { type LoggedRequest, type RequestFilter, RequestLog } from "./request-log.js";
import { type WebhookDelivery, WebhookSender } from "./webhooks.js";

/**
 * A stand-in for an external card payment gateway speaking the Toss Payments v1 API, for `npm start`,
 * demos and tests: the browser SDK and payment window, the server API (confirm, cancel, reads) with
 * Toss's authentication, idempotency and error codes, PAYMENT_STATUS_CHANGED webhooks, and a
 * `/control` surface that injects failures and moves the clock. Plain node:http and no runtime code
 * of the service, as the real PG shares none: the service must work unchanged against either.
 */

export interface FakePaymentGatewayOptions {
  secretKey?: string;
  clientKey?: string;
  /** How long an authenticated payment waits for its confirm (default 600). */
  confirmWindowSeconds?: number;
  webhookUrl?: string | null;
  /** The base clock; `/control`'s advanceClockSeconds moves the fake's own clock on from it. */
  now?: () => Date;
  randomBytes?: (size: number) => Buffer;
  /** Waits before each webhook retry (default 1 s, 5 s, 15 s). */
  webhookRetryDelaysMs?: readonly number[];
  webhookTimeoutMs?: number;
}

export interface FakePaymentGateway {
  server: http.Server;
  /** Starts listening; the host defaults to loopback. Port 0 picks a free port: read it from the result. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops listening: waits end (503), answers held back are dropped, webhooks still retrying are given up. */
  close(): Promise<void>;
  /** Every payment session, oldest first (copies). */
  payments(): Payment[];
  /** The server-API requests received, oldest first (copies). */
  requests(filter?: RequestFilter): LoggedRequest[];
  webhookDeliveries(): WebhookDelivery[];
  /** Moves the fake's clock forward, as `POST /control {"advanceClockSeconds": n}` does. */
  advanceClock(seconds: number): void;
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

export function createFakePaymentGateway(options: FakePaymentGatewayOptions = {}): FakePaymentGateway {
  const secretKey = options.secretKey ?? FAKE_PG_DEFAULT_SECRET_KEY;
  const clock = new FakeClock(options.now ?? (() => new Date()));
  // Aborted on close, so a wait or a held answer cannot hold the server open; renewed on listen.
  let closing = new AbortController();

  const webhooks = new WebhookSender({
    url: options.webhookUrl ?? null,
    now: clock.now,
    retryDelaysMs: options.webhookRetryDelaysMs ?? [1_000, 5_000, 15_000],
    timeoutMs: options.webhookTimeoutMs ?? 5_000,
  });
  const store = new PaymentsStore({
    now: clock.now,
    confirmWindowSeconds: options.confirmWindowSeconds ?? 600,
    randomBytes: options.randomBytes ?? cryptoRandomBytes,
    onChange: (payment) => webhooks.notify(payment),
  });
  const rules = new FailureRules();
  const keys = new IdempotencyKeys();
  const log = new RequestLog();

  const api = createPaymentsApi({ secretKey, store, keys, rules, log, now: clock.now, closing: () => closing.signal });
  const paymentWindow = createPaymentWindow({ clientKey: options.clientKey ?? FAKE_PG_DEFAULT_CLIENT_KEY, store });
  const control = createControl({ rules, store, keys, log, webhooks, clock });

  const json =
    (handler: ControlHandler): Route =>
    async (req, res, url) => {
      const answer = await handler(req, url);
      sendJson(res, answer.status, answer.body);
    };
  const routes: Record<string, Record<string, Route>> = {
    "/v1/sdk.js": { GET: paymentWindow.sdk },
    "/pay": { GET: paymentWindow.show, POST: paymentWindow.submit },
    "/healthz": { GET: json(() => ({ status: 200, body: { status: "ok" } })) },
    ...Object.fromEntries(
      Object.entries(control).map(([path, methods]) => [
        path,
        Object.fromEntries(Object.entries(methods).map(([method, handler]) => [method, json(handler)])),
      ]),
    ),
  };

  async function dispatch(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = routes[url.pathname];
    if (route === undefined) {
      if (url.pathname.startsWith("/v1/")) return api(req, res, url);
      throw PgError.of("NOT_FOUND", `no route ${url.pathname}`);
    }
    const handler = route[req.method ?? ""];
    if (handler === undefined) {
      res.setHeader("Allow", Object.keys(route).join(", "));
      throw PgError.of("METHOD_NOT_ALLOWED", `${req.method ?? ""} is not allowed on ${url.pathname}`);
    }
    return handler(req, res, url);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake-pg");
    // Answered in the background: the request handler itself returns nothing to wait for.
    void dispatch(req, res, url).catch((error: unknown) => {
      drain(req);
      const answer: Answer =
        error instanceof PgError
          ? error.toAnswer()
          : error instanceof HttpError
            ? new PgError(error.status, "INVALID_REQUEST", error.message).toAnswer()
            : PgError.of("FAILED_INTERNAL_SYSTEM_PROCESSING", "internal error of the fake PG").toAnswer();
      sendJson(res, answer.status, answer.body);
    });
  });

  return {
    server,
    listen(port, host = "127.0.0.1") {
      closing = new AbortController();
      return new Promise<AddressInfo>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      webhooks.close();
      return new Promise<void>((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
    },
    payments: () => store.list(),
    requests: (filter) => log.list(filter),
    webhookDeliveries: () => webhooks.list(),
    advanceClock(seconds) {
      clock.advance(seconds);
      store.expireDue();
    },
  };
}
