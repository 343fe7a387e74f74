import type http from "node:http";
import { type Answer, readJsonObject } from "../fake-data-platform/json-http.js";
import type { FakeClock } from "./fake-clock.js";
import { type FailureRule, type FailureRules, parseRules } from "./failure-rules.js";
import type { IdempotencyKeys } from "./idempotency.js";
import type { PaymentsStore } from "./payments-store.js";
import { PgError } from "./pg-error.js";
import type { RequestLog } from "./request-log.js";
import { isHttpUrl } from "./validation.js";
import type { WebhookSender } from "./webhooks.js";

/**
 * `/control`: the test surface, without authentication (a real PG has nothing like it; only tests
 * and demos talk to it). POST /control changes the fake's behaviour; the GETs show what it holds and
 * what reached it, so a test can assert on the PG's side of a story.
 */

export interface ControlParts {
  rules: FailureRules;
  store: PaymentsStore;
  keys: IdempotencyKeys;
  log: RequestLog;
  webhooks: WebhookSender;
  clock: FakeClock;
}

export type ControlHandler = (req: http.IncomingMessage, url: URL) => Promise<Answer> | Answer;

const FIELDS = ["rules", "reset", "clear", "advanceClockSeconds", "webhookUrl"];
const MAX_ADVANCE_SECONDS = 10 * 365 * 86_400;

export function createControl(parts: ControlParts): Record<string, Record<string, ControlHandler>> {
  const state = (): Answer => ({
    status: 200,
    body: {
      now: parts.clock.now().toISOString(),
      clockOffsetSeconds: parts.clock.offsetSeconds,
      webhookUrl: parts.webhooks.url,
      rules: parts.rules.list(),
    },
  });

  /**
   * Any of: `reset` (drop waiting rules), `clear` (forget payments, keys and logs), `rules` (append),
   * `advanceClockSeconds`, `webhookUrl` (a URL, or null for none). All are checked before any is
   * applied, so a refused request changes nothing; then they apply in that order.
   */
  async function change(req: http.IncomingMessage): Promise<Answer> {
    const body = await readJsonObject(req);
    const unknown = Object.keys(body).filter((name) => !FIELDS.includes(name));
    if (unknown.length > 0) throw invalid(`unknown field(s): ${unknown.join(", ")}; known: ${FIELDS.join(", ")}`);
    const { reset, clear, advanceClockSeconds, webhookUrl } = body;
    if (reset !== undefined && typeof reset !== "boolean") throw invalid("reset must be a boolean");
    if (clear !== undefined && typeof clear !== "boolean") throw invalid("clear must be a boolean");
    const rules: FailureRule[] = body.rules === undefined ? [] : parseRules(body.rules);
    if (
      advanceClockSeconds !== undefined &&
      !(
        typeof advanceClockSeconds === "number" &&
        Number.isInteger(advanceClockSeconds) &&
        advanceClockSeconds >= 0 &&
        advanceClockSeconds <= MAX_ADVANCE_SECONDS
      )
    )
      throw invalid(`advanceClockSeconds must be an integer between 0 and ${MAX_ADVANCE_SECONDS}`);
    if (webhookUrl !== undefined && webhookUrl !== null && !isHttpUrl(webhookUrl))
      throw invalid("webhookUrl must be an absolute http(s) URL, or null for none");

    // First: the one change that can still be refused (too many rules), so it leaves nothing half done.
    parts.rules.add(rules, { reset: reset === true });
    if (clear === true) {
      parts.store.clear();
      parts.keys.clear();
      parts.log.clear();
      parts.webhooks.clear();
    }
    if (typeof advanceClockSeconds === "number") {
      parts.clock.advance(advanceClockSeconds);
      // Sessions the jump took past their window expire now, so their webhooks go out now.
      parts.store.expireDue();
    }
    if (webhookUrl !== undefined) parts.webhooks.url = isHttpUrl(webhookUrl) ? webhookUrl : null;
    return state();
  }

  function payments(_req: http.IncomingMessage, url: URL): Answer {
    const orderId = url.searchParams.get("orderId");
    const list = parts.store.list().filter((payment) => orderId === null || payment.orderId === orderId);
    return { status: 200, body: { count: list.length, payments: list } };
  }

  function requests(_req: http.IncomingMessage, url: URL): Answer {
    const param = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
    const list = parts.log.list({ route: param("route"), orderId: param("orderId"), paymentKey: param("paymentKey") });
    return { status: 200, body: { count: list.length, requests: list } };
  }

  function webhooks(): Answer {
    const list = parts.webhooks.list();
    return { status: 200, body: { count: list.length, deliveries: list } };
  }

  return {
    "/control": { GET: state, POST: change },
    "/control/payments": { GET: payments },
    "/control/requests": { GET: requests },
    "/control/webhooks": { GET: webhooks },
  };
}

function invalid(message: string): PgError {
  return PgError.of("INVALID_REQUEST", message);
}
