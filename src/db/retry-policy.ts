/**
 * When a unit of work that lost a lock race is run again, and after how long. Pure, so the
 * arithmetic is tested without a database; the transaction runner applies it.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the 2nd attempt; it doubles for each attempt after that, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 200 };

/**
 * "Full jitter" backoff: a random delay between 0 and the exponential cap, so transactions that
 * deadlocked together do not wake up together and collide again.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.floor(cap * random);
}

export const shouldRetry = (policy: RetryPolicy, failedAttempt: number, retryable: boolean): boolean =>
  retryable && failedAttempt < policy.maxAttempts;
