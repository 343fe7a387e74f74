import type { RedisClient } from "../../redis/connection.js";
import type { ScriptReply } from "../../redis/commands.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import { RankingGenerations, type BuildTarget } from "./ranking.generations.js";
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
  type GenerationView,
  type RankingKeys,
  type Ranked,
} from "./ranking.rules.js";
import { present } from "../../shared/present.js";

export type { BuildTarget } from "./ranking.generations.js";

/** "ahead": dated further after the worker's today than it counts yet (see MAX_DAYS_AHEAD); retry later. */
export type ApplyOutcome = "applied" | "duplicate" | "outside-window" | "ahead";

/**
 * Events the ranking can never count, however often they are retried: a cancellation of a line its
 * order does not hold. A bug upstream, never a passing failure, so the worker does not retry them
 * (they stay owed in the outbox, and in BullMQ's failed set, for someone to look at).
 */
export class UncountableEventError extends Error {
  override name = "UncountableEventError";

  constructor(
    readonly eventIds: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

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

type Write = (keys: RankingKeys, view: GenerationView) => Promise<ScriptReply>;

/**
 * The ranking's Redis side: counting events once, reading the top, the build marker, and the
 * generations a rebuild counts into (RankingGenerations). A write given a BuildTarget goes into that
 * build's generation only; any other write is live, into every live generation.
 */
export class RankingStore {
  private readonly generations: RankingGenerations;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: RankingKeys,
    private readonly timeZone: string,
    /** The service's clock: key lifetimes are counted on it, like the days (see secondsUntil). */
    private readonly clock: Clock,
  ) {
    this.generations = new RankingGenerations(redis, keys);
  }

  private write(target: BuildTarget | undefined, write: Write): Promise<ScriptReply> {
    return target ? this.generations.build(target, write) : this.generations.live(write);
  }

  /** Score keys (in the generation of `keys`) an event of `day` changes, with the TTL of each. */
  private scoreKeys(keys: RankingKeys, day: Day): { keys: string[]; ttl: number[] } {
    const windows = windowsCounting(day);
    const now = this.clock.now();
    return {
      keys: [keys.daily(day), ...windows.map((w) => keys.window(w.days, w.end))],
      ttl: [
        secondsUntil(dailyKeyExpiresAt(day), now),
        ...windows.map((w) => secondsUntil(windowKeyExpiresAt(w.end), now)),
      ],
    };
  }

  async applyPaid(event: OrderEvent, today: Day): Promise<ApplyOutcome> {
    const day = dayOf(new Date(event.order.paidAt), this.timeZone);
    const reach = reachOf(day, today);
    if (reach !== "tracked") return reach === "past" ? "outside-window" : "ahead";
    const items = event.order.items;
    const reply = await this.write(undefined, (keys, view) => {
      const score = this.scoreKeys(keys, day);
      return this.generations.run(
        "rankingApplyPaid",
        view,
        [
          keys.paidMarker(Number(event.order.id)),
          ...score.keys,
          ...items.map((item) => keys.cancelMarker(Number(item.id))),
        ],
        [
          score.keys.length,
          MARKER_TTL_SECONDS,
          ...score.ttl,
          items.length,
          ...items.flatMap((item) => [memberOf(Number(item.productId)), item.quantity]),
        ],
      );
    });
    return reply === 1 ? "applied" : "duplicate";
  }

  /** ORDER_ITEM_CANCELLED, live, or into a build's generation when `target` is given (the rebuild). */
  async applyCancel(event: OrderEvent, today: Day, target?: BuildTarget): Promise<ApplyOutcome> {
    const day = dayOf(new Date(event.order.paidAt), this.timeZone);
    const reach = reachOf(day, today);
    if (reach !== "tracked") return reach === "past" ? "outside-window" : "ahead";
    const item = event.order.items.find((candidate) => candidate.id === event.orderItemId);
    if (!item)
      throw new UncountableEventError(
        [event.eventId],
        `event ${event.eventId} cancels item ${event.orderItemId}, which its order does not hold`,
      );
    const reply = await this.write(target, (keys, view) => {
      const score = this.scoreKeys(keys, day);
      return this.generations.run(
        "rankingApplyCancel",
        view,
        [keys.cancelMarker(Number(item.id)), keys.paidMarker(Number(event.order.id)), ...score.keys],
        [score.keys.length, MARKER_TTL_SECONDS, memberOf(Number(item.productId)), item.quantity],
      );
    });
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
   * order's day only (of the build's generation when `target` is given). The caller brings the
   * maintained windows up to date with unionWindows once the daily keys are complete: one
   * ZUNIONSTORE per window instead of three ZINCRBYs per line. Orders dated too far ahead are left
   * to their live events (counted once their day is in reach).
   */
  async applyPaidBatchToDays(orders: readonly PaidOrder[], today: Day, target?: BuildTarget): Promise<number> {
    return (await this.applyPaidMany(orders, today, false, target)).applied;
  }

  private async applyPaidMany(
    orders: readonly PaidOrder[],
    today: Day,
    windows: boolean,
    target?: BuildTarget,
  ): Promise<BatchOutcome> {
    // Orders come nearly in time order: the day (an Intl call) is looked up only when an order
    // falls outside the day of the one before.
    let dayStarts = 0;
    let dayEnds = 0;
    let group: number | "past" | "ahead" = "past";
    /** Each day seen: its group of score keys (1.., as Lua indexes), or where it stands when not tracked. */
    const groups = new Map<Day, number | "past" | "ahead">();
    const groupDays: Day[] = [];
    const counted: Array<{ group: number; order: PaidOrder }> = [];
    let ahead = 0;
    for (const order of orders) {
      const at = order.createdAt.getTime();
      if (at < dayStarts || at >= dayEnds) {
        const day = dayOf(order.createdAt, this.timeZone);
        dayStarts = startOfDay(day, this.timeZone).getTime();
        dayEnds = startOfDay(addDays(day, 1), this.timeZone).getTime();
        if (!groups.has(day)) {
          const reach = reachOf(day, today);
          // A tracked day's group is its place in groupDays from 1, as Lua indexes (push returns it).
          groups.set(day, reach === "tracked" ? groupDays.push(day) : reach);
        }
        group = present(groups.get(day), `the group of day ${day}`);
      }
      if (group === "ahead") ahead += 1;
      if (typeof group === "number") counted.push({ group, order });
    }
    if (counted.length === 0) return { applied: 0, ahead };
    const reply = await this.write(target, (keys, view) => {
      const now = this.clock.now();
      const groupKeys: string[] = [];
      const groupArgs: number[] = [];
      for (const day of groupDays) {
        const score = windows
          ? this.scoreKeys(keys, day)
          : { keys: [keys.daily(day)], ttl: [secondsUntil(dailyKeyExpiresAt(day), now)] };
        groupKeys.push(...score.keys);
        groupArgs.push(score.keys.length, ...score.ttl);
      }
      const orderKeys: string[] = [];
      const orderArgs: Array<string | number> = [];
      for (const { group: index, order } of counted) {
        orderKeys.push(keys.paidMarker(order.id));
        orderArgs.push(index, order.items.length);
        for (const item of order.items) {
          orderKeys.push(keys.cancelMarker(item.id));
          orderArgs.push(memberOf(item.productId), item.quantity);
        }
      }
      return this.generations.run(
        "rankingApplyPaidBatch",
        view,
        [...groupKeys, ...orderKeys],
        [MARKER_TTL_SECONDS, groupDays.length, ...groupArgs, counted.length, ...orderArgs],
      );
    });
    return { applied: Number(reply), ahead };
  }

  /**
   * Recomputes from the daily keys each maintained window a query can still read and a tracked day
   * counts toward (windowEndsToRecompute); windows that ended before are never read again and are
   * left to expire. Into the build's generation when `target` is given.
   */
  async unionWindows(today: Day, target?: BuildTarget): Promise<void> {
    for (const days of MAINTAINED_WINDOWS) {
      for (const end of windowEndsToRecompute(today, days)) {
        await this.write(target, (keys, view) => {
          const dailies = windowDays(end, days).map((day) => keys.daily(day));
          return this.generations.run(
            "rankingUnionWindow",
            view,
            [keys.window(days, end), ...dailies],
            [secondsUntil(windowKeyExpiresAt(end), this.clock.now())],
          );
        });
      }
    }
  }

  /** The top of the last `days` days, or null while the ranking is not built in Redis. */
  async top(days: number, limit: number, today: Day): Promise<Ranked[] | null> {
    const reply = await this.generations.current((keys, view) => {
      const source = sourceFor(keys, days, today);
      return this.generations.run(
        "rankingTop",
        view,
        [keys.built(), source.key, ...(source.kind === "union" ? source.dailies : [])],
        [limit, UNION_CACHE_SECONDS],
      );
    });
    if (!Array.isArray(reply)) return null;
    const entries: Ranked[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      entries.push({ productId: productIdOf(String(reply[i])), soldQuantity: Number(reply[i + 1]) });
    }
    return rank(entries, limit);
  }

  /** Whether the current generation is complete (read afresh: the worker asks to notice a lost ranking). */
  async isBuilt(): Promise<boolean> {
    const view = await this.generations.refresh();
    return (await this.redis.exists(this.keys.inGeneration(view.current).built())) === 1;
  }

  /** Declares the current generation complete (a benchmark that fills it by hand). */
  async markBuilt(at: Date): Promise<void> {
    const view = await this.generations.refresh();
    await this.redis.set(this.keys.inGeneration(view.current).built(), at.toISOString());
  }

  /** Starts a build in a fresh generation (see RankingGenerations), alive for `seconds` unless kept. */
  beginBuild(seconds: number): Promise<BuildTarget> {
    return this.generations.begin(seconds);
  }

  keepBuilding(target: BuildTarget, seconds: number, owner: string): Promise<void> {
    return this.generations.keep(target, seconds, owner);
  }

  /** Switches readers and live events to the built generation, then drops the older ones' keys. */
  async finishBuild(target: BuildTarget, at: Date): Promise<number> {
    await this.generations.finish(target, at);
    return this.generations.dropBefore(target.generation);
  }

  /** A lock so one process rebuilds at a time; it expires by itself if that process dies. */
  async tryLockRebuild(owner: string, seconds: number): Promise<boolean> {
    return (await this.redis.set(this.keys.rebuildLock(), owner, "EX", seconds, "NX")) === "OK";
  }

  async unlockRebuild(owner: string): Promise<void> {
    if ((await this.redis.get(this.keys.rebuildLock())) === owner) await this.redis.del(this.keys.rebuildLock());
  }
}
