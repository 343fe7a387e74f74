import type { ClientContext, Result } from "ioredis";
import type { RedisClient } from "../../redis/connection.js";
import { defineCommands, type ScriptCommand } from "../../redis/commands.js";

/**
 * Token bucket, refilled continuously: `capacity` tokens at most, `rate` per second. Takes at least
 * `cost` tokens and up to `upTo` (as many as the bucket holds), or none if it holds fewer than
 * `cost` (a request's mutations pass or fail together); what is taken beyond `cost` is the caller's
 * lease. The bucket is a hash (tokens, time in ms) that expires once it would be full again.
 *
 * KEYS: bucket; ARGV: capacity, rate per second, now (ms), cost (1..capacity), upTo (>= cost)
 * Returns { allowed (1|0), milliseconds until `cost` tokens are available, tokens taken }
 */
const TAKE_TOKEN = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local upTo = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
local taken = 0
if tokens >= cost then
  taken = math.min(upTo, math.floor(tokens))
  tokens = tokens - taken
  allowed = 1
else
  wait = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * 1000 / rate) + 1000)
return { allowed, wait, taken }
`;

/**
 * An attempt counter over a fixed window that starts at the first attempt. Counts one more attempt
 * unless `limit` are counted already, check and count in one step: however many callers arrive at
 * once, no more than `limit` are let through in a window.
 *
 * KEYS: counter; ARGV: limit, window seconds
 * Returns { allowed (1|0), milliseconds left in the window }
 */
const TAKE_ATTEMPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then return { 0, redis.call('PTTL', KEYS[1]) } end
count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return { 1, redis.call('PTTL', KEYS[1]) }
`;

/**
 * Gives one counted attempt back (it turned out not to count: refused by another limit, or a login
 * that succeeded). Never goes below zero and never creates a counter, so the window is left as it was.
 *
 * KEYS: counter. Returns the count before.
 */
const RETURN_ATTEMPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return count
`;

/** The rate limiter's scripts as ioredis commands on a client (see defineCommands). */
interface RateLimitCommands<Context extends ClientContext> {
  /** TAKE_TOKEN: { allowed (1|0), milliseconds until `cost` tokens are available, tokens taken }. */
  rateLimitTakeToken(
    bucket: string,
    capacity: number,
    ratePerSecond: number,
    nowMs: number,
    cost: number,
    upTo: number,
  ): Result<[number, number, number], Context>;
  /** TAKE_ATTEMPT: { allowed (1|0), milliseconds left in the window }. */
  rateLimitTakeAttempt(counter: string, limit: number, windowSeconds: number): Result<[number, number], Context>;
  /** RETURN_ATTEMPT: the count before. */
  rateLimitReturnAttempt(counter: string): Result<number, Context>;
}

declare module "ioredis" {
  // Merged into ioredis's own declaration, so Redis, Cluster and pipelines all carry the commands.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface RedisCommander<Context> extends RateLimitCommands<Context> {}
}

const RATE_LIMIT_COMMANDS: Record<keyof RateLimitCommands<ClientContext>, ScriptCommand> = {
  rateLimitTakeToken: { lua: TAKE_TOKEN, numberOfKeys: 1 },
  rateLimitTakeAttempt: { lua: TAKE_ATTEMPT, numberOfKeys: 1 },
  rateLimitReturnAttempt: { lua: RETURN_ATTEMPT, numberOfKeys: 1 },
};

/** Defines the rate limiter's commands on `redis` (once per client). */
export function defineRateLimitCommands(redis: RedisClient): void {
  defineCommands(redis, RATE_LIMIT_COMMANDS);
}
