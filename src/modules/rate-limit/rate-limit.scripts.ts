import { LuaScript } from "../../redis/lua-script.js";

/**
 * Token bucket, refilled continuously: `capacity` tokens at most, `rate` per second. Takes `cost`
 * tokens if there are that many, else none (a request's mutations pass or fail together). The bucket
 * is a hash (tokens, time in ms) that expires once it would be full again.
 *
 * KEYS: bucket; ARGV: capacity, rate per second, now (ms), cost (1..capacity)
 * Returns { allowed (1|0), milliseconds until `cost` tokens are available }
 */
export const takeTokenScript = new LuaScript(`
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * 1000 / rate) + 1000)
return { allowed, wait }
`);

/**
 * An attempt counter over a fixed window that starts at the first attempt. Counts one more attempt
 * unless `limit` are counted already, check and count in one step: however many callers arrive at
 * once, no more than `limit` are let through in a window.
 *
 * KEYS: counter; ARGV: limit, window seconds
 * Returns { allowed (1|0), milliseconds left in the window }
 */
export const takeAttemptScript = new LuaScript(`
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then return { 0, redis.call('PTTL', KEYS[1]) } end
count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return { 1, redis.call('PTTL', KEYS[1]) }
`);

/**
 * Gives one counted attempt back (it turned out not to count: refused by another limit, or a login
 * that succeeded). Never goes below zero and never creates a counter, so the window is left as it was.
 *
 * KEYS: counter. Returns the count before.
 */
export const returnAttemptScript = new LuaScript(`
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return count
`);
