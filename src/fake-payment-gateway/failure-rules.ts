import { PgError } from "./pg-error.js";

/**
 * Injected failures (`POST /control {"rules": [...]}`): each rule names a route and optionally the
 * orderId or paymentKey it is for, and how many matching requests it spoils. A request uses up one
 * use of the first rule that matches it, so a test can script "the first confirm times out, the
 * retry works" exactly, with no randomness.
 */

export type RuleRoute = "confirm" | "cancel" | "get";

export type RuleAction =
  /** Confirm only: the card company refuses; the payment becomes ABORTED. */
  | { type: "decline"; code: string; message: string }
  /** Answered at once with this status, the request not processed. */
  | { type: "error"; status: number; code: string; message: string }
  /** Processed normally after a wait. */
  | { type: "delay"; ms: number }
  /** Processed, but the answer held back `ms` (null: until the client or the fake gives up). */
  | { type: "process-then-hang"; ms: number | null }
  /** Never processed: the connection is destroyed, as if the request had not reached the PG. */
  | { type: "drop" };

export interface FailureRule {
  route: RuleRoute;
  orderId: string | null;
  paymentKey: string | null;
  /** Uses left. */
  times: number;
  action: RuleAction;
}

const ROUTES: readonly string[] = ["confirm", "cancel", "get"] satisfies RuleRoute[];
const ERROR_CODES: Readonly<Record<number, string>> = {
  409: "IDEMPOTENT_REQUEST_PROCESSING",
  429: "TOO_MANY_REQUESTS",
  500: "FAILED_INTERNAL_SYSTEM_PROCESSING",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
};
const CODE_FORM = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_WAIT_MS = 600_000;
const MAX_RULES = 1_000;

export class FailureRules {
  private rules: FailureRule[] = [];

  /** Appends rules, after dropping those waiting when `reset`; refuses, changing nothing, past the cap. */
  add(rules: FailureRule[], options: { reset: boolean } = { reset: false }): void {
    const kept = options.reset ? [] : this.rules;
    if (kept.length + rules.length > MAX_RULES)
      throw PgError.of("INVALID_REQUEST", `at most ${MAX_RULES} rules may wait at once`);
    this.rules = [...kept, ...rules];
  }

  /** The action of the first rule matching this request, one use of it spent; null when none. */
  take(route: RuleRoute, target: { orderId?: string; paymentKey?: string }): RuleAction | null {
    const index = this.rules.findIndex(
      (rule) =>
        rule.route === route &&
        (rule.orderId === null || rule.orderId === target.orderId) &&
        (rule.paymentKey === null || rule.paymentKey === target.paymentKey),
    );
    const rule = this.rules[index];
    if (rule === undefined) return null;
    rule.times -= 1;
    if (rule.times === 0) this.rules.splice(index, 1);
    return rule.action;
  }

  /** The rules still waiting, with their uses left. */
  list(): FailureRule[] {
    return structuredClone(this.rules);
  }
}

/** Reads the `rules` of a control request, refusing the whole list if any rule is malformed. */
export function parseRules(value: unknown): FailureRule[] {
  if (!Array.isArray(value)) throw invalid("rules must be an array");
  return value.map((rule: unknown, index) => parseRule(rule, `rules[${index}]`));
}

function parseRule(value: unknown, at: string): FailureRule {
  const rule = record(value, at, ["route", "orderId", "paymentKey", "times", "action"]);
  const { route, orderId, paymentKey, times } = rule;
  if (typeof route !== "string" || !ROUTES.includes(route))
    throw invalid(`${at}.route must be one of ${ROUTES.join(", ")}`);
  if (orderId !== undefined && typeof orderId !== "string") throw invalid(`${at}.orderId must be a string`);
  if (paymentKey !== undefined && typeof paymentKey !== "string") throw invalid(`${at}.paymentKey must be a string`);
  const action = parseAction(rule.action, `${at}.action`);
  if (action.type === "decline" && route !== "confirm") throw invalid(`${at}: only a confirm can be declined`);
  return {
    route: route as RuleRoute,
    orderId: orderId ?? null,
    paymentKey: paymentKey ?? null,
    times: times === undefined ? 1 : wholeNumber(times, `${at}.times`, 1, 1_000_000),
    action,
  };
}

function parseAction(value: unknown, at: string): RuleAction {
  const action = record(value, at, ["type", "code", "message", "status", "ms"]);
  const text = (name: string, fallback: string): string => {
    const field = action[name];
    if (field === undefined) return fallback;
    if (typeof field !== "string" || field === "") throw invalid(`${at}.${name} must be a non-empty string`);
    return field;
  };
  const code = (fallback: string): string => {
    const chosen = text("code", fallback);
    if (!CODE_FORM.test(chosen)) throw invalid(`${at}.code must be an upper-case code such as REJECT_CARD_PAYMENT`);
    return chosen;
  };
  switch (action.type) {
    case "decline":
      return {
        type: "decline",
        code: code("REJECT_CARD_PAYMENT"),
        message: text("message", "the card company declined the payment"),
      };
    case "error": {
      const status = action.status;
      const fallback = typeof status === "number" ? ERROR_CODES[status] : undefined;
      if (fallback === undefined) throw invalid(`${at}.status must be one of ${Object.keys(ERROR_CODES).join(", ")}`);
      return {
        type: "error",
        status: status as number,
        code: code(fallback),
        message: text("message", "injected failure"),
      };
    }
    case "delay":
      return { type: "delay", ms: wholeNumber(action.ms, `${at}.ms`, 0, MAX_WAIT_MS) };
    case "process-then-hang":
      return {
        type: "process-then-hang",
        ms: action.ms === undefined ? null : wholeNumber(action.ms, `${at}.ms`, 0, MAX_WAIT_MS),
      };
    case "drop":
      return { type: "drop" };
    default:
      throw invalid(`${at}.type must be one of decline, error, delay, process-then-hang, drop`);
  }
}

/** A JSON object with no field but the allowed ones: a typo in a test's rule must not pass silently. */
function record(value: unknown, at: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`${at} must be an object`);
  const unknown = Object.keys(value).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) throw invalid(`${at} has unknown field(s): ${unknown.join(", ")}`);
  return value as Record<string, unknown>;
}

function wholeNumber(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw invalid(`${at} must be an integer between ${min} and ${max}`);
  return value;
}

function invalid(message: string): PgError {
  return PgError.of("INVALID_REQUEST", message);
}
