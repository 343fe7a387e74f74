import { LuaScript } from "../../redis/lua-script.js";

/**
 * Token bucket, refilled continuously: `capacity` tokens at most, `rate` per second. Takes one token
 * if there is one. The bucket is a hash (tokens, time in ms) that expires once it would be full again.
 *
 * KEYS: bucket; ARGV: capacity, rate per second, now (ms)
 * Returns { allowed (1|0), milliseconds until a token is available }
 */
export const takeTokenScript = new LuaScript(`
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * 1000 / rate) + 1000)
return { allowed, wait }
`);

/**
 * A failure counter over a fixed window that starts at the first failure.
 * KEYS: counter; ARGV: window seconds. Returns { count, milliseconds left in the window }
 */
export const countFailureScript = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`);
