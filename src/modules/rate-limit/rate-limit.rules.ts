import { DomainError, ErrorCode } from "../../shared/errors.js";

/**
 * Tokens a request of `count` mutations takes: one each, but never more than the bucket holds, or a
 * request could never pass (a burst configured below the 5 mutations a document may hold).
 */
export const tokensToTake = (count: number, burst: number): number => Math.min(Math.max(1, count), burst);

/** The most tokens one lease takes from a member's bucket (see MutationLeases). */
export const MAX_LEASE = 32;

/**
 * The largest lease for a bucket: MAX_LEASE, but never more than the bucket holds nor than the member
 * earns back during one lease's life, so that what an unused lease wastes (it lapses) is at most a
 * lease's life of the member's own rate.
 */
export const leaseCeiling = (burst: number, ratePerSecond: number, leaseMs: number): number =>
  Math.max(1, Math.min(MAX_LEASE, burst, Math.floor((ratePerSecond * leaseMs) / 1000)));

/**
 * The size of the next lease: 1 for a member seen for the first time or after their lease lapsed (a
 * member sending now and then wastes nothing), doubled each time they come back while it lasts, up
 * to `ceiling`. A busy member thus asks Redis once per `ceiling` mutations.
 */
export const nextLeaseSize = (previous: number | null, ceiling: number): number =>
  previous === null ? 1 : Math.min(ceiling, previous * 2);

/** The client waits at least a second: a retry sooner could only be refused again. */
export const retryAfterSeconds = (milliseconds: number): number => Math.max(1, Math.ceil(milliseconds / 1000));

export function rateLimited(what: string, retryAfterMs: number): DomainError {
  const seconds = retryAfterSeconds(retryAfterMs);
  return new DomainError(ErrorCode.RATE_LIMITED, `${what}: try again in ${seconds} s`, { retryAfter: seconds });
}

/** Keys: one per subject, no shared hash tag, so a cluster spreads them over every node. */
export class RateLimitKeys {
  constructor(private readonly prefix: string) {}

  mutations(memberId: number): string {
    return `${this.prefix}:rl:mutations:${memberId}`;
  }

  /**
   * Takes the canonical loginId (the member module's canonicalLoginId), the form the database compares
   * byte for byte: every spelling that reaches an account shares its counter.
   */
  loginFailures(canonicalLoginId: string): string {
    return `${this.prefix}:rl:login:${canonicalLoginId}`;
  }

  ipFailures(ip: string): string {
    return `${this.prefix}:rl:ip:${ip}`;
  }

  signUps(ip: string): string {
    return `${this.prefix}:rl:signup:${ip}`;
  }
}
