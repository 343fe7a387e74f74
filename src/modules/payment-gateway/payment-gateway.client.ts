import http from "node:http";
import https from "node:https";
import { TLSSocket } from "node:tls";
import { answerOf, malformedAnswer } from "./payment-gateway.parse.js";
import type { PgAnswer } from "./payment-gateway.rules.js";

/** setTimeout's ceiling: a longer delay fires at once, which would make every request time out. */
const MAX_TIMER_MS = 2_147_483_647;
/** A Payment object is a few kilobytes; an answer far beyond that is not one, and is not kept in memory. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Toss keeps idempotency keys of up to 300 characters; printable ASCII keeps the key safe in a header. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,300}$/;

export interface PaymentGatewayClientOptions {
  /** PG_API_URL, e.g. `http://127.0.0.1:4200`; a path prefix is kept, and `/v1/...` follows it. */
  baseUrl: string;
  /** The shop's secret key: sent as Basic authorization on every request, and nowhere else. */
  secretKey: string;
  /** How long to wait for a connection (DNS lookup and TLS handshake included). Past it, the request was surely not sent. */
  connectTimeoutMs: number;
  /** From the connection, when the request goes out, to the last byte of the answer. */
  readTimeoutMs: number;
}

export interface PgConfirmRequest {
  paymentKey: string;
  orderId: string;
  amount: number;
}

export interface PgCancelRequest {
  cancelReason: string;
  /** Left out: the whole balance is cancelled. */
  cancelAmount?: number;
}

/**
 * The shop's client for a card PG speaking the Toss Payments v1 API. Each method resolves with what
 * came back (PgAnswer) and decides nothing: payment-gateway.rules.ts says what an answer means. It
 * never rejects for an HTTP status or a network failure, only for a programming error (an empty
 * paymentKey, an amount that is not a positive whole number, a bad idempotency key).
 *
 * node:http with a keep-alive agent rather than fetch, as DataPlatformClient: fetch's one timeout
 * cannot tell "no connection was made" (the request never left, so nothing can have been paid)
 * from "the answer was lost" (the PG may have confirmed), and the callers need to know which.
 */
export class PaymentGatewayClient {
  /** A private field: util.inspect and console.log of the client do not show it, so logs never get the key. */
  readonly #authorization: string;
  private readonly baseUrl: URL;
  private readonly basePath: string;
  private readonly connectTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(options: PaymentGatewayClientOptions) {
    // Fail at start-up, not on the first payment, when a setting is nonsense. No message quotes the key.
    this.baseUrl = new URL(options.baseUrl);
    if (this.baseUrl.username !== "" || this.baseUrl.password !== "") {
      throw new RangeError("the PG URL must not carry credentials: the secret key is given apart");
    }
    if (this.baseUrl.protocol !== "http:" && this.baseUrl.protocol !== "https:") {
      throw new RangeError(`the PG URL must be http or https, got ${options.baseUrl}`);
    }
    if (this.baseUrl.search !== "" || this.baseUrl.hash !== "") {
      throw new RangeError(`the PG URL must have no query or fragment, got ${options.baseUrl}`);
    }
    if (options.secretKey === "" || options.secretKey.includes(":")) {
      throw new RangeError("the PG secret key must be a non-empty string without ':'");
    }
    this.connectTimeoutMs = timeout(options.connectTimeoutMs, "connectTimeoutMs");
    this.readTimeoutMs = timeout(options.readTimeoutMs, "readTimeoutMs");
    this.#authorization = basicAuthorization(options.secretKey);
    this.basePath = this.baseUrl.pathname.replace(/\/+$/, "");
    this.transport = this.baseUrl.protocol === "https:" ? https : http;
    // Idle sockets are unref'd by the agent and dropped before the server's announced keep-alive timeout.
    this.agent = new this.transport.Agent({ keepAlive: true });
  }

  /** POST /v1/payments/confirm: captures the payment the buyer authorised, for `amount`. */
  async confirm(request: PgConfirmRequest, idempotencyKey: string): Promise<PgAnswer> {
    const body = {
      paymentKey: text(request.paymentKey, "paymentKey"),
      orderId: text(request.orderId, "orderId"),
      amount: amount(request.amount, "amount"),
    };
    return this.send("POST", "/v1/payments/confirm", body, key(idempotencyKey));
  }

  /** POST /v1/payments/{paymentKey}/cancel: gives back `cancelAmount`, or the whole balance without it. */
  async cancel(paymentKey: string, request: PgCancelRequest, idempotencyKey: string): Promise<PgAnswer> {
    const body = {
      cancelReason: text(request.cancelReason, "cancelReason"),
      ...(request.cancelAmount === undefined ? {} : { cancelAmount: amount(request.cancelAmount, "cancelAmount") }),
    };
    return this.send("POST", `/v1/payments/${segment(paymentKey, "paymentKey")}/cancel`, body, key(idempotencyKey));
  }

  /** GET /v1/payments/{paymentKey}. */
  async payment(paymentKey: string): Promise<PgAnswer> {
    return this.send("GET", `/v1/payments/${segment(paymentKey, "paymentKey")}`, null, null);
  }

  /** GET /v1/payments/orders/{orderId}: the payment of one of the shop's orders, when the paymentKey was lost. */
  async paymentOfOrder(orderId: string): Promise<PgAnswer> {
    return this.send("GET", `/v1/payments/orders/${segment(orderId, "orderId")}`, null, null);
  }

  /** Drops the keep-alive connections; requests still running end as `network` failures. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * One request, settled once: by the whole answer, or by the first of the connect timer (running
   * until the socket is connected), the read timer (from then to the answer's last byte), a socket
   * error or a connection closed before the answer was whole.
   */
  private send(
    method: "GET" | "POST",
    path: string,
    body: object | null,
    idempotencyKey: string | null,
  ): Promise<PgAnswer> {
    return new Promise<PgAnswer>((resolve) => {
      const payload = body === null ? null : JSON.stringify(body);
      const headers: http.OutgoingHttpHeaders = {
        Authorization: this.#authorization,
        "Content-Type": "application/json",
        Accept: "application/json",
      };
      if (payload !== null) headers["Content-Length"] = Buffer.byteLength(payload);
      // The PG answers a repeated key with the first request's answer instead of doing it again.
      if (idempotencyKey !== null) headers["Idempotency-Key"] = idempotencyKey;
      // `path` given apart from the URL so it is sent as built: a URL would resolve a `..` in a path part.
      const request = this.transport.request(this.baseUrl, {
        method,
        path: this.basePath + path,
        agent: this.agent,
        headers,
      });

      let settled = false;
      let connected = false;
      let readTimer: NodeJS.Timeout | undefined;
      const settle = (answer: PgAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(readTimer);
        resolve(answer);
      };
      const noAnswer = (reason: "connect-timeout" | "read-timeout" | "network", detail: string) => {
        settle({ kind: "no-answer", reason, detail });
        request.destroy();
      };
      const connectTimer = setTimeout(
        () => noAnswer("connect-timeout", `no connection within ${this.connectTimeoutMs} ms: the request was not sent`),
        this.connectTimeoutMs,
      );
      const onConnected = () => {
        if (settled) return; // no read timer for a request already over: it could outlive it
        connected = true;
        clearTimeout(connectTimer);
        readTimer = setTimeout(
          () => noAnswer("read-timeout", `no whole answer within ${this.readTimeoutMs} ms of sending the request`),
          this.readTimeoutMs,
        );
      };

      request.on("socket", (socket) => {
        // A kept-alive socket is connected already. A new one is, for TLS, once the handshake is done:
        // until then not a byte of the request has left.
        if (request.reusedSocket) onConnected();
        else socket.once(socket instanceof TLSSocket ? "secureConnect" : "connect", onConnected);
      });
      request.on("error", (error) =>
        noAnswer(
          "network",
          connected
            ? `${describe(error)}, after the request was sent`
            : `${describe(error)}, before a connection was made: the request was not sent`,
        ),
      );
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          else {
            settle({
              kind: "answered",
              status,
              payment: null,
              error: malformedAnswer(status, `a body over ${MAX_ANSWER_BYTES} bytes`),
            });
            request.destroy();
          }
        });
        response.on("end", () => settle(answerOf(status, Buffer.concat(chunks).toString("utf8"))));
        // The connection dropped in the middle of the answer: the request was sent, its outcome is lost.
        response.on("close", () => {
          if (!response.complete) noAnswer("network", `the connection closed in the middle of a ${status} answer`);
        });
        response.on("error", (error) => noAnswer("network", `${describe(error)}, in the middle of a ${status} answer`));
      });
      request.end(payload ?? undefined);
    });
  }
}

/** Toss's scheme: the secret key and an empty password, "key:" in base64. */
function basicAuthorization(secretKey: string): string {
  return `Basic ${Buffer.from(`${secretKey}:`, "utf8").toString("base64")}`;
}

function timeout(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${value}`);
  }
  return value;
}

function text(value: string, name: string): string {
  if (value === "") throw new RangeError(`${name} must not be empty`);
  return value;
}

/** Won, so a whole number; and a charge or a refund of nothing is never meant. */
function amount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive whole number, got ${value}`);
  return value;
}

function key(idempotencyKey: string): string {
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new RangeError("an idempotency key must be 1 to 300 printable ASCII characters without spaces");
  }
  return idempotencyKey;
}

/**
 * One path part, percent-encoded. Dots too: a part that is `.` or `..` would otherwise name another
 * path to anything between here and the PG that normalises paths.
 */
function segment(value: string, name: string): string {
  return encodeURIComponent(text(value, name)).replace(/\./g, "%2E");
}

/** The socket error's message with its code (ECONNREFUSED, ECONNRESET...) when the message lacks it. */
function describe(error: Error): string {
  const code = "code" in error && typeof error.code === "string" ? error.code : null;
  return code === null || error.message.includes(code) ? error.message : `${error.message} (${code})`;
}
