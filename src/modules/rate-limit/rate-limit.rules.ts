import { DomainError, ErrorCode } from "../../shared/errors.js";

/**
 * Tokens a request of `count` mutations takes: one each, but never more than the bucket holds, or a
 * request could never pass (a burst configured below the 5 mutations a document may hold).
 */
export const tokensToTake = (count: number, burst: number): number => Math.min(Math.max(1, count), burst);

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
