import { Cluster, type Redis } from "ioredis";
import type { RedisClient } from "../../redis/connection.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import {
  MARKER_TTL_SECONDS,
  UNION_CACHE_SECONDS,
  dailyKeyExpiresAt,
  dayOf,
  isTrackedDay,
  memberOf,
  productIdOf,
  rank,
  sourceFor,
  windowKeyExpiresAt,
  windowsCounting,
  type Day,
  type RankingKeys,
  type Ranked,
} from "./ranking.rules.js";
import { applyCancelScript, applyPaidScript, topScript } from "./ranking.scripts.js";

export type ApplyOutcome = "applied" | "duplicate" | "outside-window";

/** The ranking's Redis side: counting events once, reading the top, the build marker. */
export class RankingStore {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: RankingKeys,
    private readonly timeZone: string,
  ) {}

  /** Score keys an event of `day` changes, with the time each may expire. */
  private scoreKeys(day: Day): { keys: string[]; expireAt: number[] } {
    const windows = windowsCounting(day);
    return {
      keys: [this.keys.daily(day), ...windows.map((w) => this.keys.window(w.days, w.end))],
      expireAt: [dailyKeyExpiresAt(day), ...windows.map((w) => windowKeyExpiresAt(w.end))],
    };
  }

  async applyPaid(event: OrderEvent, today: Day): Promise<ApplyOutcome> {
    const day = dayOf(new Date(event.order.paidAt), this.timeZone);
    if (!isTrackedDay(day, today)) return "outside-window";
    const { keys, expireAt } = this.scoreKeys(day);
    const items = event.order.items;
    const reply = await applyPaidScript.run(
      this.redis,
      [this.keys.paidMarker(Number(event.order.id)), ...keys, ...items.map((item) => this.keys.cancelMarker(Number(item.id)))],
      [keys.length, MARKER_TTL_SECONDS, ...expireAt, items.length, ...items.flatMap((item) => [memberOf(Number(item.productId)), item.quantity])],
    );
    return reply === 1 ? "applied" : "duplicate";
  }

  async applyCancel(event: OrderEvent, today: Day): Promise<ApplyOutcome> {
    const day = dayOf(new Date(event.order.paidAt), this.timeZone);
    if (!isTrackedDay(day, today)) return "outside-window";
    const item = event.order.items.find((candidate) => candidate.id === event.orderItemId);
    if (!item) throw new Error(`event ${event.eventId} cancels item ${event.orderItemId}, which its order does not hold`);
    const { keys } = this.scoreKeys(day);
    const reply = await applyCancelScript.run(
      this.redis,
      [this.keys.cancelMarker(Number(item.id)), this.keys.paidMarker(Number(event.order.id)), ...keys],
      [keys.length, MARKER_TTL_SECONDS, memberOf(Number(item.productId)), item.quantity],
    );
    return reply === 1 ? "applied" : "duplicate";
  }

  /** The top of the last `days` days, or null while the ranking is not built in Redis. */
  async top(days: number, limit: number, today: Day): Promise<Ranked[] | null> {
    const source = sourceFor(this.keys, days, today);
    const reply = await topScript.run(
      this.redis,
      [this.keys.built(), source.key, ...(source.kind === "union" ? source.dailies : [])],
      [limit, UNION_CACHE_SECONDS],
    );
    if (!Array.isArray(reply)) return null;
    const entries: Ranked[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      entries.push({ productId: productIdOf(String(reply[i])), soldQuantity: Number(reply[i + 1]) });
    }
    return rank(entries, limit);
  }

  async isBuilt(): Promise<boolean> {
    return (await this.redis.exists(this.keys.built())) === 1;
  }

  async markBuilt(at: Date): Promise<void> {
    await this.redis.set(this.keys.built(), at.toISOString());
  }

  /** A lock so one process rebuilds at a time; it expires by itself if that process dies. */
  async tryLockRebuild(owner: string, seconds: number): Promise<boolean> {
    return (await this.redis.set(this.keys.rebuildLock(), owner, "EX", seconds, "NX")) === "OK";
  }

  async unlockRebuild(owner: string): Promise<void> {
    if ((await this.redis.get(this.keys.rebuildLock())) === owner) await this.redis.del(this.keys.rebuildLock());
  }

  /** Removes every ranking key but the rebuild lock (a forced rebuild starts from nothing). */
  async clear(): Promise<number> {
    let removed = 0;
    const lock = this.keys.rebuildLock();
    // SCAN walks one server: on a cluster, walk every master (the {ranking} keys live on one of them).
    const nodes: Redis[] = this.redis instanceof Cluster ? this.redis.nodes("master") : [this.redis];
    for (const node of nodes) {
      for await (const batch of node.scanStream({ match: this.keys.pattern(), count: 1000 }) as AsyncIterable<string[]>) {
        const doomed = batch.filter((key) => key !== lock);
        if (doomed.length > 0) removed += await node.unlink(...doomed);
      }
    }
    return removed;
  }
}
