import type { ClientContext, Result } from "ioredis";
import type { RedisClient } from "../../redis/connection.js";
import { defineCommands, type ScriptArg, type ScriptCommand, type ScriptReply } from "../../redis/commands.js";

/** What a guarded script answers when the generations are not what its caller believed. */
export const STALE_GENERATION = "stale-generation";

/**
 * A script that reads or writes one generation's keys, behind a check that the generations are still
 * what the caller believed (RankingStore caches them): KEYS[1] and KEYS[2] are the current and the
 * building generation keys, ARGV[1] and ARGV[2] the values the caller expects ('' for none). If a
 * rebuild has started or switched since, the script changes nothing and answers STALE_GENERATION;
 * the caller reads the generations again and retries. Checked inside the script, so no write can
 * land in a generation the switch has just retired. The body sees KEYS and ARGV without these two.
 */
function guarded(body: string): string {
  return `
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] or (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return '${STALE_GENERATION}' end
local keys, argv = {}, {}
for i = 3, #KEYS do keys[i - 2] = KEYS[i] end
for i = 3, #ARGV do argv[i - 2] = ARGV[i] end
local KEYS, ARGV = keys, argv
${body}`;
}

/**
 * ORDER_PAID, exactly once in effect. The paid marker makes a redelivered or duplicated event a
 * no-op; an item whose cancellation was already seen (its cancel marker exists) is not counted, so
 * a cancellation that overtakes its payment still nets to zero.
 *
 * KEYS: paid marker, K score keys (the day's key and the maintained windows), n cancel markers
 * ARGV: K, marker TTL, K key TTLs (seconds), n, then n pairs (member, quantity)
 * Returns 1 when applied, 0 when the event had been seen.
 */
const APPLY_PAID = guarded(`
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
for j = 1, k do redis.call('EXPIRE', KEYS[1 + j], ARGV[2 + j]) end
return 1
`);

/**
 * ORDER_ITEM_CANCELLED, exactly once in effect. The units come off only if the payment was counted
 * (its paid marker exists); otherwise the cancel marker alone makes the late payment skip this item.
 *
 * KEYS: cancel marker, paid marker, K score keys
 * ARGV: K, marker TTL, member, quantity
 */
const APPLY_CANCEL = guarded(`
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
const TOP = guarded(`
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

/**
 * ORDER_PAID for many orders in one call: for each order what APPLY_PAID does (its paid marker
 * set once, lines whose cancel marker exists skipped), but with the units summed per score key and
 * product in the script and written with one ZINCRBY per pair at the end. Markers are per order and
 * per line and adding is commutative, so the keys end as if the orders had been applied one by one;
 * a best seller's units are added once per call, not once per line.
 *
 * KEYS: G groups of score keys (one group per day), then per order its paid marker and n cancel markers
 * ARGV: marker TTL, G, per group (K, K key TTLs in seconds), N orders, then per order: group (1..G), n, n pairs (member, quantity)
 * Returns how many orders were applied (the others had been seen).
 */
const APPLY_PAID_BATCH = guarded(`
local ttl = ARGV[1]
local a, k = 3, 1
local groupKeys, groupTtl = {}, {}
for g = 1, tonumber(ARGV[2]) do
  local keys, ttl = {}, {}
  for j = 1, tonumber(ARGV[a]) do
    keys[j], ttl[j] = KEYS[k], ARGV[a + j]
    k = k + 1
  end
  a = a + 1 + #keys
  groupKeys[g], groupTtl[g] = keys, ttl
end
local sums, applied = {}, 0
local orders = tonumber(ARGV[a])
a = a + 1
for o = 1, orders do
  local g, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  if redis.call('SET', KEYS[k], '1', 'NX', 'EX', ttl) then
    applied = applied + 1
    local sum = sums[g]
    if not sum then
      sum = {}
      sums[g] = sum
    end
    for i = 1, n do
      if redis.call('EXISTS', KEYS[k + i]) == 0 then
        local member = ARGV[a + 2 * i - 2]
        sum[member] = (sum[member] or 0) + tonumber(ARGV[a + 2 * i - 1])
      end
    end
  end
  k, a = k + 1 + n, a + 2 * n
end
for g, sum in pairs(sums) do
  local keys = groupKeys[g]
  for member, quantity in pairs(sum) do
    for j = 1, #keys do redis.call('ZINCRBY', keys[j], quantity, member) end
  end
  for j = 1, #keys do redis.call('EXPIRE', keys[j], groupTtl[g][j]) end
end
return applied
`);

/**
 * A maintained window recomputed as the union of its daily keys, with its expiry. The rebuild runs
 * it once its daily keys are complete: live events counted meanwhile are in the daily keys too (the
 * event script adds to both), and those counted after it add to both again, so the window stays the
 * sum of its days. One ZUNIONSTORE per window replaces a ZINCRBY per line and window.
 *
 * KEYS: window key, its daily keys
 * ARGV: the window key's TTL in seconds
 */
const UNION_WINDOW = guarded(`
local dailies = {}
for i = 2, #KEYS do dailies[#dailies + 1] = KEYS[i] end
if redis.call('ZUNIONSTORE', KEYS[1], #dailies, unpack(dailies)) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
`);

/**
 * Starts a build: a new generation number, recorded as the one being built (live events count into
 * it from now on), with an expiry so that a rebuilder that dies does not leave live events counting
 * twice for ever. Overwrites a build in progress: a rebuilder finds its build gone at its next guarded
 * call and stops.
 *
 * KEYS: sequence, building, current
 * ARGV: seconds the build may go without a sign of life
 * Returns { current generation, new generation }.
 */
const BEGIN_BUILD = `
local generation = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], generation, 'EX', ARGV[1])
return {redis.call('GET', KEYS[3]) or '0', generation}
`;

/**
 * A build is still alive: its expiry starts again, and the rebuild lock's if its owner still holds it.
 *
 * KEYS: building, rebuild lock. ARGV: seconds, owner.
 */
const KEEP_BUILDING = guarded(`
redis.call('EXPIRE', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return 1
`);

/**
 * The switch: the generation built becomes the current one, complete (its built marker), in one step.
 * Readers and live events holding the old view get STALE_GENERATION at their next call and move over.
 *
 * KEYS: the new generation's built marker, current, building
 * ARGV: new generation, built at (ISO 8601)
 */
const FINISH_BUILD = guarded(`
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
`);

/**
 * The ranking's scripts as ioredis commands on a client (see defineCommands). A guarded one takes
 * the number of keys first, then its keys (the two generation keys first) and its arguments (the
 * two expected generations first): RankingGenerations.run builds that list.
 */
interface RankingCommands<Context extends ClientContext> {
  rankingApplyPaid(numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Result<ScriptReply, Context>;
  rankingApplyCancel(numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Result<ScriptReply, Context>;
  rankingTop(numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Result<ScriptReply, Context>;
  rankingApplyPaidBatch(numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Result<ScriptReply, Context>;
  rankingUnionWindow(numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Result<ScriptReply, Context>;
  rankingKeepBuilding(numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Result<ScriptReply, Context>;
  rankingFinishBuild(numberOfKeys: number, ...keysAndArgs: ScriptArg[]): Result<ScriptReply, Context>;
  /** BEGIN_BUILD, not guarded: { current generation, new generation }. */
  rankingBeginBuild(
    sequence: string,
    building: string,
    current: string,
    seconds: number,
  ): Result<[string, number], Context>;
}

declare module "ioredis" {
  // Merged into ioredis's own declaration, so Redis, Cluster and pipelines all carry the commands.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface RedisCommander<Context> extends RankingCommands<Context> {}
}

/** The guarded commands: every one reads or writes one generation's keys, behind the guard. */
export type GuardedCommand = Exclude<keyof RankingCommands<ClientContext>, "rankingBeginBuild">;

const RANKING_COMMANDS: Record<keyof RankingCommands<ClientContext>, ScriptCommand> = {
  rankingApplyPaid: { lua: APPLY_PAID },
  rankingApplyCancel: { lua: APPLY_CANCEL },
  rankingTop: { lua: TOP },
  rankingApplyPaidBatch: { lua: APPLY_PAID_BATCH },
  rankingUnionWindow: { lua: UNION_WINDOW },
  rankingKeepBuilding: { lua: KEEP_BUILDING },
  rankingFinishBuild: { lua: FINISH_BUILD },
  rankingBeginBuild: { lua: BEGIN_BUILD, numberOfKeys: 3 },
};

/** Defines the ranking's commands on `redis` (once per client). */
export function defineRankingCommands(redis: RedisClient): void {
  defineCommands(redis, RANKING_COMMANDS);
}
