import { Cluster, type Redis } from "ioredis";
import type { RedisClient } from "../../redis/connection.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import {
  MAINTAINED_WINDOWS,
  MARKER_TTL_SECONDS,
  UNION_CACHE_SECONDS,
  addDays,
  dailyKeyExpiresAt,
  dayOf,
  memberOf,
  productIdOf,
  rank,
  reachOf,
  secondsUntil,
  sourceFor,
  startOfDay,
  windowDays,
  windowEndsToRecompute,
  windowKeyExpiresAt,
  windowsCounting,
  type Day,
  type RankingKeys,
  type Ranked,
} from "./ranking.rules.js";
import { applyCancelScript, applyPaidBatchScript, applyPaidScript, topScript, unionWindowScript } from "./ranking.scripts.js";

/** "ahead": dated further after the worker's today than it counts yet (see MAX_DAYS_AHEAD); retry later. */
export type ApplyOutcome = "applied" | "duplicate" | "outside-window" | "ahead";

/** What a batch of payments did: orders counted now, and orders dated too far ahead to count yet. */
export interface BatchOutcome {
  applied: number;
  ahead: number;
}

/** What the rebuild counts of an order: when it was paid and its lines (cancelled ones too). */
export interface PaidOrder {
  id: number;
  createdAt: Date;
  items: ReadonlyArray<{ id: number; productId: number; quantity: number }>;
}

/** The ranking's Redis side: counting events once, reading the top, the build marker. */
export class RankingStore {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: RankingKeys,
    private readonly timeZone: string,
    /** The service's clock: key lifetimes are counted on it, like the days (see secondsUntil). */
    private readonly clock: Clock,
  ) {}

  /** Score keys an event of `day` changes, with the TTL of each. */
  private scoreKeys(day: Day): { keys: string[]; ttl: number[] } {
    const windows = windowsCounting(day);
    const now = this.clock.now();
    return {
      keys: [this.keys.daily(day), ...windows.map((w) => this.keys.window(w.days, w.end))],
      ttl: [secondsUntil(dailyKeyExpiresAt(day), now), ...windows.map((w) => secondsUntil(windowKeyExpiresAt(w.end), now))],
    };
  }

  async applyPaid(event: OrderEvent, today: Day): Promise<ApplyOutcome> {
    const day = dayOf(new Date(event.order.paidAt), this.timeZone);
    const reach = reachOf(day, today);
    if (reach !== "tracked") return reach === "past" ? "outside-window" : "ahead";
    const { keys, ttl } = this.scoreKeys(day);
    const items = event.order.items;
    const reply = await applyPaidScript.run(
      this.redis,
      [this.keys.paidMarker(Number(event.order.id)), ...keys, ...items.map((item) => this.keys.cancelMarker(Number(item.id)))],
      [keys.length, MARKER_TTL_SECONDS, ...ttl, items.length, ...items.flatMap((item) => [memberOf(Number(item.productId)), item.quantity])],
    );
    return reply === 1 ? "applied" : "duplicate";
  }

  async applyCancel(event: OrderEvent, today: Day): Promise<ApplyOutcome> {
    const day = dayOf(new Date(event.order.paidAt), this.timeZone);
    const reach = reachOf(day, today);
    if (reach !== "tracked") return reach === "past" ? "outside-window" : "ahead";
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

  /**
   * ORDER_PAID for many orders in one script call, each counted exactly as applyPaid counts it (its
   * daily key and the maintained windows). Returns how many orders were applied (the rest had been
   * seen before or are too old to count) and how many are dated too far ahead to count yet.
   */
  applyPaidBatch(orders: readonly PaidOrder[], today: Day): Promise<BatchOutcome> {
    return this.applyPaidMany(orders, today, true);
  }

  /**
   * The rebuild's ORDER_PAID for many orders: as applyPaidBatch, but into the daily key of each
   * order's day only. The caller brings the maintained windows up to date with unionWindows once
   * the daily keys are complete: one ZUNIONSTORE per window instead of three ZINCRBYs per line.
   * Orders dated too far ahead are left to their live events (counted once their day is in reach).
   */
  async applyPaidBatchToDays(orders: readonly PaidOrder[], today: Day): Promise<number> {
    return (await this.applyPaidMany(orders, today, false)).applied;
  }

  private async applyPaidMany(orders: readonly PaidOrder[], today: Day, windows: boolean): Promise<BatchOutcome> {
    // Orders come nearly in time order: the day (an Intl call) is looked up only when an order
    // falls outside the day of the one before.
    let dayStarts = 0;
    let dayEnds = 0;
    let group: number | "past" | "ahead" = "past";
    /** Each day seen: its group of score keys (1.., as Lua indexes), or where it stands when not tracked. */
    const groups = new Map<Day, number | "past" | "ahead">();
    let groupCount = 0;
    const groupKeys: string[] = [];
    const groupArgs: number[] = [];
    const orderKeys: string[] = [];
    const orderArgs: Array<string | number> = [];
    let tracked = 0;
    let ahead = 0;
    for (const order of orders) {
      const at = order.createdAt.getTime();
      if (at < dayStarts || at >= dayEnds) {
        const day = dayOf(order.createdAt, this.timeZone);
        dayStarts = startOfDay(day, this.timeZone).getTime();
        dayEnds = startOfDay(addDays(day, 1), this.timeZone).getTime();
        if (!groups.has(day)) {
          const reach = reachOf(day, today);
          if (reach === "tracked") {
            const { keys, ttl } = windows ? this.scoreKeys(day) : { keys: [this.keys.daily(day)], ttl: [secondsUntil(dailyKeyExpiresAt(day), this.clock.now())] };
            groupKeys.push(...keys);
            groupArgs.push(keys.length, ...ttl);
            groups.set(day, (groupCount += 1));
          } else {
            groups.set(day, reach);
          }
        }
        group = groups.get(day)!;
      }
      if (group === "ahead") ahead += 1;
      if (typeof group !== "number") continue;
      orderKeys.push(this.keys.paidMarker(order.id));
      orderArgs.push(group, order.items.length);
      for (const item of order.items) {
        orderKeys.push(this.keys.cancelMarker(item.id));
        orderArgs.push(memberOf(item.productId), item.quantity);
      }
      tracked += 1;
    }
    if (tracked === 0) return { applied: 0, ahead };
    const reply = await applyPaidBatchScript.run(
      this.redis,
      [...groupKeys, ...orderKeys],
      [MARKER_TTL_SECONDS, groupCount, ...groupArgs, tracked, ...orderArgs],
    );
    return { applied: Number(reply), ahead };
  }

  /**
   * Recomputes from the daily keys each maintained window a query can still read and a tracked day
   * counts toward (windowEndsToRecompute); windows that ended before are never read again and are
   * left to expire.
   */
  async unionWindows(today: Day): Promise<void> {
    for (const days of MAINTAINED_WINDOWS) {
      for (const end of windowEndsToRecompute(today, days)) {
        const dailies = windowDays(end, days).map((day) => this.keys.daily(day));
        await unionWindowScript.run(this.redis, [this.keys.window(days, end), ...dailies], [secondsUntil(windowKeyExpiresAt(end), this.clock.now())]);
      }
    }
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
