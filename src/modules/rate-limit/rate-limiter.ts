import type { Logger } from "../../observability/logger.js";
import type { RedisClient } from "../../redis/connection.js";
import type { Clock } from "../../shared/clock.js";
import type { RateLimits } from "../../config/config.js";
import { MutationLeases } from "./mutation-leases.js";
import { leaseCeiling, rateLimited, tokensToTake, type RateLimitKeys } from "./rate-limit.rules.js";
import { defineRateLimitCommands } from "./rate-limit.scripts.js";

/**
 * Lease asks one request waits for before it asks the bucket itself: leases double up to 32, so 64
 * requests arriving at once are covered after about 6 asks, one after another, each a round trip.
 */
const MAX_LEASE_WAITS = 8;

/**
 * Rate limits kept in Redis, so they hold across every API copy.
 *
 * When Redis is down the limiter fails OPEN: mutations and logins go through unlimited. Orders must
 * keep working through a Redis outage (the order path does not depend on Redis anywhere else), and
 * an outage is short and visible (/readyz, logs) while a closed shop is a certain loss.
 */
export class RateLimiter {
  private lastWarnedAt = 0;
  private readonly leases: MutationLeases;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RateLimitKeys,
    private readonly limits: RateLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    defineRateLimitCommands(redis);
    this.leases = new MutationLeases(
      limits.mutationLeaseMs,
      leaseCeiling(limits.mutationBurst, limits.mutationsPerSecond, limits.mutationLeaseMs),
    );
  }

  /**
   * `count` mutations of one request by a member, all or none: RATE_LIMITED with retryAfter when the
   * bucket holds fewer tokens.
   */
  async takeMutations(memberId: number, count: number): Promise<void> {
    const { mutationBurst, mutationsPerSecond } = this.limits;
    const tokens = tokensToTake(count, mutationBurst);
    let now = this.clock.now().getTime();
    // Wait for the member's lease being asked for while the bucket grants them; after a refusal (or
    // no Redis) the request asks for itself, so a refused member's requests are not queued one behind another.
    for (let waits = 0; waits < MAX_LEASE_WAITS; waits += 1) {
      const asked = this.leases.leaseAsked(memberId, tokens, now);
      if (asked === null || !(await asked)) break;
      now = this.clock.now().getTime();
    }
    const withdrawal = this.leases.withdraw(memberId, tokens, now);
    if (withdrawal === null) return; // covered by the tokens this process holds for the member
    const reply = await this.safely(() =>
      this.redis.rateLimitTakeToken(
        this.keys.mutations(memberId),
        mutationBurst,
        mutationsPerSecond,
        now,
        withdrawal.cost,
        withdrawal.upTo,
      ),
    );
    if (reply?.[0] === 1) {
      this.leases.deposit(memberId, tokens, withdrawal, reply[2], now);
      return;
    }
    this.leases.giveBack(memberId, withdrawal, now);
    if (reply?.[0] === 0) throw rateLimited("too many requests", reply[1]);
  }

  /**
   * Counts a login attempt against its loginId and its address before the password is checked, and
   * refuses it (RATE_LIMITED) when either has had its limit of attempts in the window. Each counter
   * checks and counts in one step, so no number of parallel requests gets more passwords checked
   * than the limit allows: counting failures after the check let every request already in flight through.
   */
  async takeLoginAttempt(loginId: string, ip: string): Promise<void> {
    const window = this.limits.loginWindowSeconds;
    const byIdKey = this.keys.loginFailures(loginId);
    const byIpKey = this.keys.ipFailures(ip);
    const [byId, byIp] = await Promise.all([
      this.takeAttempt(byIdKey, this.limits.loginFailuresPerId, window),
      this.takeAttempt(byIpKey, this.limits.loginFailuresPerIp, window),
    ]);
    if (byId.allowed && byIp.allowed) return;
    // A refused attempt checks no password: the counter that did count it gives it back.
    await Promise.all([byId.allowed && this.returnAttempt(byIdKey), byIp.allowed && this.returnAttempt(byIpKey)]);
    if (!byId.allowed) throw rateLimited("too many failed logins for this loginId", byId.windowLeftMs);
    throw rateLimited("too many failed logins from this address", byIp.windowLeftMs);
  }

  /**
   * Counts a sign-up from `ip` before it costs a password hash; RATE_LIMITED past the limit. A sign-up
   * refused later (a loginId taken) stays counted: giving it back would let an address probe for
   * taken loginIds without limit.
   */
  async takeSignUp(ip: string): Promise<void> {
    const signUps = await this.takeAttempt(
      this.keys.signUps(ip),
      this.limits.signUpsPerIp,
      this.limits.signUpWindowSeconds,
    );
    if (!signUps.allowed) throw rateLimited("too many sign-ups from this address", signUps.windowLeftMs);
  }

  /**
   * A login that succeeded gives its attempt back to both counters, so only failures stay counted (a
   * success no longer wipes the loginId's count: that would hand an attacker racing the owner a new
   * set of tries).
   */
  async returnLoginAttempt(loginId: string, ip: string): Promise<void> {
    await Promise.all([
      this.returnAttempt(this.keys.loginFailures(loginId)),
      this.returnAttempt(this.keys.ipFailures(ip)),
    ]);
  }

  private async takeAttempt(
    key: string,
    limit: number,
    windowSeconds: number,
  ): Promise<{ allowed: boolean; windowLeftMs: number }> {
    const reply = await this.safely(() => this.redis.rateLimitTakeAttempt(key, limit, windowSeconds));
    if (reply === null) return { allowed: true, windowLeftMs: 0 }; // Redis unavailable: fail open
    return { allowed: reply[0] === 1, windowLeftMs: Math.max(0, reply[1]) };
  }

  private async returnAttempt(key: string): Promise<void> {
    await this.safely(() => this.redis.rateLimitReturnAttempt(key));
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
