import type { Logger } from "../../logger.js";
import type { RedisClient } from "../../redis/connection.js";
import type { Clock } from "../../shared/clock.js";
import { rateLimited, tokensToTake, type RateLimitKeys, type RateLimits } from "./rate-limit.rules.js";
import { countFailureScript, takeTokenScript } from "./rate-limit.scripts.js";

/**
 * Rate limits kept in Redis, so they hold across every API copy.
 *
 * When Redis is down the limiter fails OPEN: mutations and logins go through unlimited. Orders must
 * keep working through a Redis outage (the order path does not depend on Redis anywhere else), and
 * an outage is short and visible (/readyz, logs) while a closed shop is a certain loss.
 */
export class RateLimiter {
  private lastWarnedAt = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RateLimitKeys,
    private readonly limits: RateLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * `count` mutations of one request by a member, all or none: RATE_LIMITED with retryAfter when the
   * bucket holds fewer tokens.
   */
  async takeMutations(memberId: number, count: number): Promise<void> {
    const { mutationBurst, mutationsPerSecond } = this.limits;
    const reply = await this.safely(() =>
      takeTokenScript.run(this.redis, [this.keys.mutations(memberId)], [mutationBurst, mutationsPerSecond, this.clock.now().getTime(), tokensToTake(count, mutationBurst)]),
    );
    if (Array.isArray(reply) && Number(reply[0]) === 0) throw rateLimited("too many requests", Number(reply[1]));
  }

  /** Before checking a password: refuses a loginId or an IP with too many recent failures. */
  async ensureLoginAllowed(loginId: string, ip: string): Promise<void> {
    const [byId, byIp] = await Promise.all([this.failures(this.keys.loginFailures(loginId)), this.failures(this.keys.ipFailures(ip))]);
    if (byId && byId.count >= this.limits.loginFailuresPerId) throw rateLimited("too many failed logins for this loginId", byId.ttlMs);
    if (byIp && byIp.count >= this.limits.loginFailuresPerIp) throw rateLimited("too many failed logins from this address", byIp.ttlMs);
  }

  async recordLoginFailure(loginId: string, ip: string): Promise<void> {
    const window = this.limits.loginWindowSeconds;
    await this.safely(() => Promise.all([
      countFailureScript.run(this.redis, [this.keys.loginFailures(loginId)], [window]),
      countFailureScript.run(this.redis, [this.keys.ipFailures(ip)], [window]),
    ]));
  }

  /** A successful login clears its loginId's failures (not the IP's: one right guess among many). */
  async recordLoginSuccess(loginId: string): Promise<void> {
    await this.safely(() => this.redis.del(this.keys.loginFailures(loginId)));
  }

  private async failures(key: string): Promise<{ count: number; ttlMs: number } | null> {
    const [count, ttl] = (await this.safely(() => Promise.all([this.redis.get(key), this.redis.pttl(key)]))) ?? [null, -1];
    return count === null ? null : { count: Number(count), ttlMs: Math.max(0, Number(ttl)) };
  }

  private async safely<T>(work: () => Promise<T>): Promise<T | null> {
    // Not connected: do not even wait for a reconnect, a request must not slow down with Redis.
    if (this.redis.status !== "ready") {
      this.warn(new Error(`Redis connection is ${this.redis.status}`));
      return null;
    }
    try {
      return await work();
    } catch (error) {
      this.warn(error as Error);
      return null;
    }
  }

  private warn(error: Error): void {
    if (Date.now() - this.lastWarnedAt > 60_000) {
      this.lastWarnedAt = Date.now();
      this.log.warn({ err: { message: error.message } }, "rate limiter: Redis unavailable, not limiting (fail open)");
    }
  }
}
