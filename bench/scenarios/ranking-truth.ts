import type { Redis } from "ioredis";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { memberOf } from "../../src/modules/ranking/ranking.rules.js";

/**
 * The ranking's ground truth in SQL and what Redis holds, member by member: the scenarios that run
 * the worker check with these that it counted every event exactly once.
 */

export type Scores = Map<string, number>;

/** Units sold per ranking member (zero-padded product id) from order lines, cancelled ones excluded. */
export async function soldBetween(pool: Pool, from: Date, to: Date): Promise<Scores> {
  const [rows] = await pool.query<RowDataPacket[]>(
    "SELECT product_id, CAST(SUM(quantity) AS SIGNED) AS sold FROM order_item WHERE created_at >= ? AND created_at < ? AND status = 'PAID' GROUP BY product_id",
    [from, to],
  );
  return new Map(rows.map((row) => [memberOf(Number(row.product_id)), Number(row.sold)]));
}

export async function scoresOf(redis: Redis, key: string): Promise<Scores> {
  // RESP3 (ioredis 6's default) answers [member, score] pairs, RESP2 a flat list: take either.
  const reply = (await redis.zrange(key, 0, "-1", "WITHSCORES")) as unknown as Array<
    string | [string, string | number]
  >;
  const scores: Scores = new Map();
  for (let i = 0; i < reply.length; i += 1) {
    const entry = reply[i]!;
    if (Array.isArray(entry)) scores.set(entry[0], Number(entry[1]));
    else scores.set(entry, Number(reply[(i += 1)]));
  }
  return scores;
}

/** The first few differences between two score maps, or none. */
export function differences(expected: Scores, actual: Scores, limit = 5): string[] {
  const found: string[] = [];
  for (const member of new Set([...expected.keys(), ...actual.keys()])) {
    if ((expected.get(member) ?? 0) !== (actual.get(member) ?? 0))
      found.push(`product ${Number(member)}: expected ${expected.get(member) ?? 0}, got ${actual.get(member) ?? 0}`);
    if (found.length === limit) break;
  }
  return found;
}
