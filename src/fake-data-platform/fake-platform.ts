import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { OrderEventType } from "../outbox/order-event.js";
import { type Answer, drain, HttpError, readJsonObject, sendJson } from "./json-http.js";

/**
 * A stand-in for the external data platform, for `npm start`, demos and tests. It keeps the contract
 * of the real one (JSON POST, `Idempotency-Key` equal to the eventId, 2xx is delivery, deduplication
 * by eventId) and can be told to fail or to be slow, so retries and timeouts can be watched at work.
 * Plain node:http and no runtime code of the service, as the real platform would share none.
 */

const MAX_DELAY_MS = 60_000;
const EVENT_TYPES: ReadonlySet<string> = new Set<OrderEventType>(["ORDER_PAID", "ORDER_ITEM_CANCELLED"]);

export interface StoredEvent {
  eventId: string;
  type: OrderEventType;
  /** When the POST that stored it arrived (ISO 8601). */
  receivedAt: string;
  /**
   * Every well-formed POST of this eventId: the injected failures before it was stored, the one that
   * stored it and any duplicates after. 1 means delivered exactly once.
   */
  deliveries: number;
  /** The body exactly as posted. */
  body: Record<string, unknown>;
}

export interface Behaviour {
  /** Probability (0..1) that a well-formed POST /events is answered 503 instead of stored. */
  failRate: number;
  /** How long POST /events waits before answering (0..60000 ms). */
  delayMs: number;
}

export interface FakeDataPlatform {
  server: http.Server;
  /** Starts listening; the host defaults to loopback. Port 0 picks a free port: read it from the result. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops listening; requests still waiting out a delay are answered 503 at once. */
  close(): Promise<void>;
  /** A copy of the stored events, in the order they were first stored. */
  events(): StoredEvent[];
  setBehaviour(behaviour: Partial<Behaviour>): void;
}

type Handler = (req: http.IncomingMessage, url: URL) => Promise<Answer> | Answer;

export function createFakeDataPlatform(
  options: { failRate?: number; delayMs?: number; random?: () => number } = {},
): FakeDataPlatform {
  const random = options.random ?? Math.random;
  const behaviour: Behaviour = { failRate: 0, delayMs: 0 };
  const stored = new Map<string, StoredEvent>();
  // POSTs of events not stored yet (every one failed so far), so `deliveries` counts them once stored.
  const failedAttempts = new Map<string, number>();
  // Aborted on close, so a long delay cannot hold the server open; renewed on listen.
  let closing = new AbortController();

  const setBehaviour = (next: Partial<Behaviour>): void => {
    const problem = behaviourProblem(next);
    if (problem !== null) throw new RangeError(problem);
    if (next.failRate !== undefined) behaviour.failRate = next.failRate;
    if (next.delayMs !== undefined) behaviour.delayMs = next.delayMs;
  };
  setBehaviour({ failRate: options.failRate, delayMs: options.delayMs });

  async function receiveEvent(req: http.IncomingMessage): Promise<Answer> {
    const key = req.headers["idempotency-key"];
    if (typeof key !== "string" || key === "") throw new HttpError(400, "the Idempotency-Key header is required");
    const body = await readJsonObject(req);
    const { eventId, type } = body;
    if (typeof eventId !== "string" || eventId === "") throw new HttpError(400, "eventId must be a non-empty string");
    if (!isEventType(type)) throw new HttpError(400, `type must be one of ${[...EVENT_TYPES].join(", ")}`);
    if (key !== eventId) throw new HttpError(400, "the Idempotency-Key header must equal the body's eventId");

    if (behaviour.delayMs > 0) {
      try {
        await sleep(behaviour.delayMs, undefined, { signal: closing.signal });
      } catch {
        throw new HttpError(503, "shutting down");
      }
    }

    const existing = stored.get(eventId);
    // Decided before storing: an injected failure must leave no trace, or the retry that follows would
    // look like a duplicate and the test of "lost until retried" would prove nothing.
    if (random() < behaviour.failRate) {
      if (existing === undefined) failedAttempts.set(eventId, (failedAttempts.get(eventId) ?? 0) + 1);
      else existing.deliveries += 1;
      throw new HttpError(503, "injected failure");
    }
    if (existing !== undefined) {
      existing.deliveries += 1;
      return { status: 200, body: { duplicate: true } };
    }
    stored.set(eventId, {
      eventId,
      type,
      receivedAt: new Date().toISOString(),
      deliveries: (failedAttempts.get(eventId) ?? 0) + 1,
      body,
    });
    failedAttempts.delete(eventId);
    return { status: 201, body: { stored: true } };
  }

  function listEvents(url: URL): Answer {
    const type = url.searchParams.get("type");
    const events = [...stored.values()].filter((event) => type === null || event.type === type);
    return { status: 200, body: { count: events.length, events } };
  }

  /**
   * The count alone, and the POSTs behind it: what a poller waiting for N events needs, without
   * serialising every stored body on each poll (GET /events at 50,000 events is tens of MB).
   */
  function countEvents(url: URL): Answer {
    const type = url.searchParams.get("type");
    let count = 0;
    let deliveries = 0;
    for (const event of stored.values()) {
      if (type !== null && event.type !== type) continue;
      count += 1;
      deliveries += event.deliveries;
    }
    return { status: 200, body: { count, deliveries } };
  }

  async function control(req: http.IncomingMessage): Promise<Answer> {
    const body = await readJsonObject(req);
    const unknown = Object.keys(body).filter((name) => name !== "failRate" && name !== "delayMs");
    if (unknown.length > 0) throw new HttpError(400, `unknown field(s): ${unknown.join(", ")}`);
    const { failRate, delayMs } = body;
    if (failRate !== undefined && typeof failRate !== "number")
      throw new HttpError(400, "failRate must be a number between 0 and 1");
    if (delayMs !== undefined && typeof delayMs !== "number")
      throw new HttpError(400, `delayMs must be an integer between 0 and ${MAX_DELAY_MS}`);
    const problem = behaviourProblem({ failRate, delayMs });
    if (problem !== null) throw new HttpError(400, problem);
    setBehaviour({ failRate, delayMs });
    return { status: 200, body: { ...behaviour } };
  }

  function clear(): Answer {
    const cleared = stored.size;
    stored.clear();
    failedAttempts.clear();
    return { status: 200, body: { cleared } };
  }

  const routes: Record<string, Record<string, Handler>> = {
    "/events": { POST: receiveEvent, GET: (_req, url) => listEvents(url), DELETE: clear },
    "/events/count": { GET: (_req, url) => countEvents(url) },
    "/control": { POST: control },
    "/healthz": { GET: () => ({ status: 200, body: { status: "ok" } }) },
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake-data-platform");
    const route = routes[url.pathname];
    const handler = route?.[req.method ?? ""];
    if (route === undefined) {
      drain(req);
      sendJson(res, 404, { error: `no route ${req.method ?? ""} ${url.pathname}` });
      return;
    }
    if (handler === undefined) {
      drain(req);
      res.setHeader("Allow", Object.keys(route).join(", "));
      sendJson(res, 405, { error: `${req.method ?? ""} is not allowed on ${url.pathname}` });
      return;
    }
    // Answered in the background: the request handler itself returns nothing to wait for.
    void Promise.resolve()
      .then(() => handler(req, url))
      .catch((error: unknown): Answer => {
        drain(req);
        return error instanceof HttpError
          ? { status: error.status, body: { error: error.message } }
          : { status: 500, body: { error: "internal error" } };
      })
      .then((answer) => {
        // Once closing, say so: otherwise the client keeps the socket alive and close() waits for it.
        if (closing.signal.aborted) res.setHeader("Connection", "close");
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
      return new Promise<void>((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // Node 20's close() already drops idle keep-alive sockets; say it anyway, it is cheap.
        server.closeIdleConnections();
      });
    },
    events: () => structuredClone([...stored.values()]),
    setBehaviour,
  };
}

function isEventType(value: unknown): value is OrderEventType {
  return typeof value === "string" && EVENT_TYPES.has(value);
}

/** What is wrong with a behaviour change, or null when it is fine. */
function behaviourProblem(next: { failRate?: unknown; delayMs?: unknown }): string | null {
  const { failRate, delayMs } = next;
  if (failRate !== undefined && !(typeof failRate === "number" && failRate >= 0 && failRate <= 1)) {
    return "failRate must be a number between 0 and 1";
  }
  if (
    delayMs !== undefined &&
    !(typeof delayMs === "number" && Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_DELAY_MS)
  ) {
    return `delayMs must be an integer between 0 and ${MAX_DELAY_MS}`;
  }
  return null;
}
