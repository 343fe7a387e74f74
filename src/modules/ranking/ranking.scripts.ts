import { LuaScript } from "../../redis/lua-script.js";

/**
 * ORDER_PAID, exactly once in effect. The paid marker makes a redelivered or duplicated event a
 * no-op; an item whose cancellation was already seen (its cancel marker exists) is not counted, so
 * a cancellation that overtakes its payment still nets to zero.
 *
 * KEYS: paid marker, K score keys (the day's key and the maintained windows), n cancel markers
 * ARGV: K, marker TTL, K expire-at times, n, then n pairs (member, quantity)
 * Returns 1 when applied, 0 when the event had been seen.
 */
export const applyPaidScript = new LuaScript(`
local k = tonumber(ARGV[1])
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then return 0 end
local n = tonumber(ARGV[3 + k])
for i = 1, n do
  if redis.call('EXISTS', KEYS[1 + k + i]) == 0 then
    local member = ARGV[3 + k + 2 * i - 1]
    local quantity = ARGV[3 + k + 2 * i]
    for j = 1, k do redis.call('ZINCRBY', KEYS[1 + j], quantity, member) end
  end
end
for j = 1, k do redis.call('EXPIREAT', KEYS[1 + j], ARGV[2 + j]) end
return 1
`);

/**
 * ORDER_ITEM_CANCELLED, exactly once in effect. The units come off only if the payment was counted
 * (its paid marker exists); otherwise the cancel marker alone makes the late payment skip this item.
 *
 * KEYS: cancel marker, paid marker, K score keys
 * ARGV: K, marker TTL, member, quantity
 */
export const applyCancelScript = new LuaScript(`
local k = tonumber(ARGV[1])
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then
  for j = 1, k do
    local score = tonumber(redis.call('ZINCRBY', KEYS[2 + j], -tonumber(ARGV[4]), ARGV[3]))
    if score <= 0 then redis.call('ZREM', KEYS[2 + j], ARGV[3]) end
  end
end
return 1
`);

/**
 * The members of the top `limit` of one sorted set, with ties at the cut resolved by member
 * ascending (zero-padded product ids), in one round trip and O(log N + limit) work; the caller
 * sorts them (ZREVRANGE lists equal scores in descending member order). Returns nil while the
 * ranking is not built (then the caller answers from SQL). For a rarely used window the union of its daily keys is computed here when the
 * cached one has expired: the script runs atomically, so concurrent requests compute it once.
 *
 * KEYS: built marker, source key, then the daily keys to union (none for a maintained key)
 * ARGV: limit, union cache TTL seconds
 * Returns a flat list: member, score, member, score...
 */
export const topScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local source = KEYS[2]
if #KEYS > 2 and redis.call('EXISTS', source) == 0 then
  local dailies = {}
  for i = 3, #KEYS do dailies[#dailies + 1] = KEYS[i] end
  redis.call('ZUNIONSTORE', source, #dailies, unpack(dailies))
  redis.call('EXPIRE', source, ARGV[2])
end
local limit = tonumber(ARGV[1])
local top = redis.call('ZREVRANGE', source, 0, limit - 1, 'WITHSCORES')
if #top == 2 * limit then
  -- The lowest score in the top may be shared with members beyond it: of those, take the ones with
  -- the smallest ids (ZRANGEBYSCORE lists equal scores in ascending member order).
  local last = top[#top]
  local above = redis.call('ZCOUNT', source, '(' .. last, '+inf')
  local tied = redis.call('ZRANGEBYSCORE', source, last, last, 'WITHSCORES', 'LIMIT', 0, limit - above)
  local result = {}
  for i = 1, 2 * above do result[i] = top[i] end
  for i = 1, #tied do result[2 * above + i] = tied[i] end
  top = result
end
return top
`);
