import type { OrderEvent } from "../../outbox/order-event.js";

const DEFAULT_TIMEOUT_MS = 5_000;
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
  /** Injection point for tests; defaults to Node's global fetch. */
  fetchImpl?: typeof fetch;
}

/**
 * An event was not delivered. The queue retries every failure (at-least-once delivery); `retryable`
 * only tells the worker whether a retry can plausibly help, so a 400 or 401, which points at a bug
 * or a misconfiguration, can be logged loudly instead of quietly burning through attempts.
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

/** Sends order events to the external data platform, one POST per event. */
export class DataPlatformClient {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: DataPlatformClientOptions) {
    // Fail at start-up, not on the first event, when the URL or the timeout is nonsense.
    this.url = new URL(options.url).toString();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive integer, got ${this.timeoutMs}`);
    }
    // Never called as a method: some fetch implementations refuse a foreign `this`.
    const fetchImpl = options.fetchImpl ?? globalThis.fetch;
    this.fetchImpl = (input, init) => fetchImpl(input, init);
  }

  /** Delivers one event; resolves on a 2xx, throws DataPlatformError on anything else. */
  async send(event: OrderEvent): Promise<void> {
    // One signal for the whole attempt, so a platform that sends headers then stalls the body is
    // cut off too.
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          // The platform deduplicates on this key, which makes our at-least-once retries safe.
          "Idempotency-Key": event.eventId,
        },
        body: JSON.stringify(event),
        // Following a 301/302 would turn the POST into a GET without a body, whose 2xx we would then
        // count as a delivery. A redirect is a misconfigured URL: surface it as a failure.
        redirect: "manual",
        signal,
      });
    } catch (error) {
      throw new DataPlatformError(`data platform unreachable: ${describeFailure(error, this.timeoutMs)}`, null, true, { cause: error });
    }

    if (response.ok) {
      // Drain the answer so the keep-alive connection goes back to the pool; the event is already
      // delivered, so a body that fails to arrive changes nothing.
      await response.arrayBuffer().catch(() => undefined);
      return;
    }

    const body = await response.text().catch(() => "");
    const excerpt = body.length > MAX_BODY_IN_MESSAGE ? `${body.slice(0, MAX_BODY_IN_MESSAGE)}...` : body;
    const status = response.status;
    const retryable = status >= 500 || RETRYABLE_CLIENT_ERRORS.has(status);
    throw new DataPlatformError(`data platform answered ${status}${excerpt === "" ? "" : `: ${excerpt}`}`, status, retryable);
  }
}

/** A short reason for a failure before any answer: timeout, or the socket error under fetch's "fetch failed". */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause: unknown = error.cause;
    const code = cause instanceof Error && "code" in cause && typeof cause.code === "string" ? cause.code : null;
    return code === null ? error.message : `${error.message} (${code})`;
  }
  return String(error);
}
