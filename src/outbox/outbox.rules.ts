/**
 * When order events are tried again: never given up, backing off to a cap, so an outage of any
 * length costs a bounded rate of retries.
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

/**
 * Whether a failed attempt deserves a warning in the log: the first few, then one each time the
 * count doubles. Retrying for ever during a long outage must not write a warning per event per
 * retry; the backlog gauges on /metrics say how long it has lasted.
 */
export const isWorthAWarning = (attempt: number): boolean => attempt <= 3 || Number.isInteger(Math.log2(attempt));
