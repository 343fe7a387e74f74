import { randomUUID } from "node:crypto";
import { FAKE_PG_DEFAULT_CLIENT_KEY, FAKE_PG_DEFAULT_SECRET_KEY } from "../../src/config/fake-pg-config.js";

/**
 * Drives a fake PG over HTTP, as the browser and the shop's server would: by its base URL only, so the
 * same calls work against one started in the test's process or as a process of its own
 * (`npm run fake-pg`). Answers are returned, never asserted: each spec says what it expects.
 */

export interface PgAnswer {
  status: number;
  /** The JSON body (a Payment, or `{ code, message }`). */
  body: Record<string, unknown>;
}

export interface WindowForm {
  orderId: string;
  amount: number | string;
  orderName?: string;
  successUrl?: string;
  failUrl?: string;
  action?: string;
  clientKey?: string;
}

export class FakePgDriver {
  constructor(
    readonly baseUrl: string,
    readonly keys: { secretKey: string; clientKey: string } = {
      secretKey: FAKE_PG_DEFAULT_SECRET_KEY,
      clientKey: FAKE_PG_DEFAULT_CLIENT_KEY,
    },
  ) {}

  /** What a Basic credential for this secret key looks like. */
  get authorization(): string {
    return `Basic ${Buffer.from(`${this.keys.secretKey}:`).toString("base64")}`;
  }

  /** Submits the payment window's form as the buyer's browser would; the answer is not followed. */
  submitWindow(form: WindowForm): Promise<Response> {
    const fields = {
      clientKey: this.keys.clientKey,
      orderName: "Kimbap and 2 more",
      successUrl: "http://shop.test/checkout/success",
      failUrl: "http://shop.test/checkout/fail",
      action: "pay",
      ...form,
      amount: String(form.amount),
    };
    return fetch(`${this.baseUrl}/pay`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    });
  }

  /** Pays in the window and returns the new payment's key, read from the success redirect. */
  async authenticate(orderId: string, amount: number): Promise<string> {
    const response = await this.submitWindow({ orderId, amount });
    const location = new URL(response.headers.get("location") ?? "http://missing.test/");
    const paymentKey = location.searchParams.get("paymentKey");
    if (response.status !== 303 || paymentKey === null)
      throw new Error(`the window did not approve: ${response.status} ${location.href}`);
    return paymentKey;
  }

  confirm(
    body: Record<string, unknown>,
    options: { idempotencyKey?: string | null; authorization?: string | null } = {},
  ): Promise<PgAnswer> {
    return this.call("POST", "/v1/payments/confirm", { body, ...options });
  }

  cancel(
    paymentKey: string,
    body: Record<string, unknown>,
    options: { idempotencyKey?: string | null; authorization?: string | null } = {},
  ): Promise<PgAnswer> {
    return this.call("POST", `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`, { body, ...options });
  }

  payment(paymentKey: string): Promise<PgAnswer> {
    return this.call("GET", `/v1/payments/${encodeURIComponent(paymentKey)}`);
  }

  paymentOfOrder(orderId: string): Promise<PgAnswer> {
    return this.call("GET", `/v1/payments/orders/${encodeURIComponent(orderId)}`);
  }

  control(body: unknown): Promise<PgAnswer> {
    return this.json(`${this.baseUrl}/control`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  /** GET of a control listing: `/control/payments`, `/control/requests?orderId=...`, ... */
  async listing<T>(path: string): Promise<T> {
    const answer = await this.json(`${this.baseUrl}${path}`, {});
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
    return answer.body as T;
  }

  /**
   * A server-API call. The Idempotency-Key is a fresh one unless given (null sends none); the
   * credential is this driver's secret key unless given (null sends none).
   */
  call(
    method: string,
    path: string,
    options: {
      body?: unknown;
      rawBody?: string;
      idempotencyKey?: string | null;
      authorization?: string | null;
      signal?: AbortSignal;
    } = {},
  ): Promise<PgAnswer> {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? this.authorization : options.authorization;
    if (authorization !== null) headers.Authorization = authorization;
    if (method === "POST") {
      headers["Content-Type"] = "application/json";
      const key = options.idempotencyKey === undefined ? randomUUID() : options.idempotencyKey;
      if (key !== null) headers["Idempotency-Key"] = key;
    }
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    return this.json(`${this.baseUrl}${path}`, { method, headers, body, signal: options.signal });
  }

  private async json(url: string, init: RequestInit): Promise<PgAnswer> {
    const response = await fetch(url, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}
