import http from "node:http";
import https from "node:https";
import type { OrderEvent } from "../../outbox/order-event.js";

const DEFAULT_TIMEOUT_MS = 5_000;
/** Connections to the platform at most (requests in flight). */
const MAX_CONNECTIONS = 32;
const MAX_BODY_IN_MESSAGE = 200;

/**
 * 4xx answers that say "not now" rather than "never": request timeout, an idempotency-key conflict
 * (the platform is still processing an earlier attempt with the same key), too early, rate limited.
 */
const RETRYABLE_CLIENT_ERRORS = new Set([408, 409, 425, 429]);

export interface DataPlatformClientOptions {
  /** The full endpoint events are POSTed to (DATA_PLATFORM_URL), e.g. `http://127.0.0.1:4100/events`. */
  url: string;
  /** How long one attempt may take, answer body included; the queue's backoff handles the rest. */
  timeoutMs?: number;
}

/**
 * An event was not delivered. `retryable` says whether a retry can plausibly help: no answer, a 5xx,
 * or a 4xx meaning "not now" (RETRYABLE_CLIENT_ERRORS). The worker retries those without end, and
 * ends a job whose every failure is not retryable (a 400 or 401, a redirect: a bug or a
 * misconfiguration) at once as unrecoverable (deliverAll in src/queue/event-workers.ts), where an
 * operator sees it; the outbox still owes the event, so it is published again later, never lost.
 */
export class DataPlatformError extends Error {
  override name = "DataPlatformError";

  constructor(
    message: string,
    /** The HTTP status, or null when no answer came back (network error, timeout). */
    readonly status: number | null,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Answer {
  status: number;
  body: string;
}

/**
 * Sends order events to the external data platform, one POST per event, over keep-alive
 * connections. node:http rather than fetch: a delivery through fetch cost the worker four times the
 * CPU (web streams, abort signals, headers objects), and the worker is CPU-bound while it catches up
 * on a backlog, which slowed the ranking sharing its event loop.
 */
export class DataPlatformClient {
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(options: DataPlatformClientOptions) {
    // Fail at start-up, not on the first event, when the URL or the timeout is nonsense.
    this.url = new URL(options.url);
    if (this.url.protocol !== "http:" && this.url.protocol !== "https:")
      throw new RangeError(`the data platform URL must be http or https, got ${options.url}`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive integer, got ${this.timeoutMs}`);
    }
    this.transport = this.url.protocol === "https:" ? https : http;
    // Idle sockets are unref'd by the agent and dropped before the server's announced keep-alive timeout.
    // At most MAX_CONNECTIONS requests in flight, the rest wait their turn in the agent (inside their
    // timeout): a worker delivering batches of events would otherwise keep hundreds in flight, and
    // their answers would crowd the ranking's jobs out of the event loop they share.
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS });
  }

  /** Delivers one event; resolves on a 2xx, throws DataPlatformError on anything else. */
  async send(event: OrderEvent): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.post(JSON.stringify(event), event.eventId);
    } catch (error) {
      throw new DataPlatformError(`data platform unreachable: ${describeFailure(error, this.timeoutMs)}`, null, true, {
        cause: error,
      });
    }
    const status = answer.status;
    // A redirect is not followed (node:http never does): following a 301/302 would turn the POST into
    // a GET without a body, whose 2xx would then count as a delivery. It is a misconfigured URL.
    if (status >= 200 && status < 300) return;
    const excerpt =
      answer.body.length > MAX_BODY_IN_MESSAGE ? `${answer.body.slice(0, MAX_BODY_IN_MESSAGE)}...` : answer.body;
    const retryable = status >= 500 || RETRYABLE_CLIENT_ERRORS.has(status);
    throw new DataPlatformError(
      `data platform answered ${status}${excerpt === "" ? "" : `: ${excerpt}`}`,
      status,
      retryable,
    );
  }

  /** Drops the idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * One POST; resolves with the status, and with the answer's body when it is not a 2xx. One timer
   * for the whole attempt, so a platform that sends headers then stalls the body is cut off too.
   */
  private post(body: string, idempotencyKey: string): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const request = this.transport.request(this.url, {
        method: "POST",
        agent: this.agent,
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
          Accept: "application/json",
          // The platform deduplicates on this key, which makes our at-least-once retries safe.
          "Idempotency-Key": idempotencyKey,
        },
      });
      const fail = (error: Error) => {
        clearTimeout(timer);
        request.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new TimeoutError(this.timeoutMs)), this.timeoutMs);
      request.on("error", fail);
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        // A 2xx is delivery (the contract): settled at once. The body is still read to its end, so the
        // connection goes back to the pool, or cut off by the timer if it stalls.
        if (status >= 200 && status < 300) resolve({ status, body: "" });
        else response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", fail);
        response.on("end", () => {
          clearTimeout(timer);
          resolve({ status, body: Buffer.concat(chunks).toString("utf8") });
        });
        response.resume();
      });
      request.end(body);
    });
  }
}

class TimeoutError extends Error {
  override name = "TimeoutError";

  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** A short reason for a failure before any (whole) answer: the timeout, or the socket error with its code. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutError) return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const code = "code" in error && typeof error.code === "string" ? error.code : null;
    return code === null || error.message.includes(code) ? error.message : `${error.message} (${code})`;
  }
  return String(error);
}
