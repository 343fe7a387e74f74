/**
 * When order events are tried again. Two clocks run for an undelivered event: its job's own retries
 * in BullMQ (seconds to minutes, while the job exists), and behind them the outbox row's, on which the
 * worker's sweep publishes the row again if a consumer has still not confirmed it, whatever became
 * of its jobs (Redis flushed, failed over to a lagging replica, a job that stalled twice). Neither
 * ever gives up; both back off to a cap, so an outage of any length costs a bounded rate of retries.
 */

/**
 * `baseMs` doubled for each try after the first, never more than `maxMs`: the n-th try (from 1)
 * waits min(maxMs, baseMs * 2^(n-1)). The exponent is capped, so a job retried for days stays at
 * `maxMs` instead of overflowing to Infinity.
 */
export function cappedBackoffMs(tries: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(tries, 1) - 1, 52);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

/** What the sweep does with the job it would publish again, given the state BullMQ reports for that job id. */
export type RepublishAction = "leave" | "add" | "replace";

const PENDING_STATES: ReadonlySet<string> = new Set([
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
]);

/**
 * A job still waiting or retrying is left alone: it will deliver the event, and adding it again
 * would be a no-op anyway (same job id). A job BullMQ no longer knows ("unknown": lost with Redis, or
 * removed) is added again. A finished one ("completed" without its confirmation recorded, or
 * "failed": given up as unrecoverable, or stalled too often) must be removed first, since BullMQ
 * ignores an add whose job id it still holds.
 */
export function republishAction(state: string): RepublishAction {
  if (PENDING_STATES.has(state)) return "leave";
  return state === "completed" || state === "failed" ? "replace" : "add";
}

/**
 * Whether a failed attempt deserves a warning in the log: the first few, then one each time the
 * count doubles. Retrying for ever during a long outage must not write a warning per event per
 * retry; the backlog gauges on /metrics say how long it has lasted.
 */
export const isWorthAWarning = (attempt: number): boolean => attempt <= 3 || Number.isInteger(Math.log2(attempt));
