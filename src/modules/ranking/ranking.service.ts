import { randomUUID } from "node:crypto";
import type { Db } from "../../db/client.js";
import type { Logger } from "../../observability/logger.js";
import { rankingRebuilds } from "../../observability/metrics.js";
import { orderEvent, type OrderEvent, type OrderSnapshot } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import { itemsOfOrders, ordersSince, soldBetween } from "./ranking.repository.js";
import {
  MAX_DAYS,
  MAX_DAYS_AHEAD,
  addDays,
  dayOf,
  startOfDay,
  validateRankingQuery,
  windowDays,
  type Ranked,
} from "./ranking.rules.js";
import {
  UncountableEventError,
  type ApplyOutcome,
  type BatchOutcome,
  type BuildTarget,
  type PaidOrder,
  type RankingStore,
} from "./ranking.store.js";
import { present } from "../../shared/present.js";

/**
 * Orders per rebuild script call. The script holds Redis for its whole run (a SET per order, an
 * EXISTS per line, a ZINCRBY per product): 500 orders, about 2,000 lines, took 30 ms on a busy
 * 2-core machine, and a thousand no more throughput for twice the wait of everything else on Redis.
 */
const REBUILD_BATCH = 500;
const REBUILD_LOCK_SECONDS = 600;

export interface RebuildReport {
  orders: number;
  cancelledLines: number;
  ms: number;
}

/**
 * Top products by units sold over the last days. Redis holds the counts, fed once per event by the
 * worker; the database is the source of truth the counts are rebuilt from and the answer falls back
 * to when Redis cannot give one.
 */
export class RankingService {
  constructor(
    private readonly db: Db,
    private readonly store: RankingStore,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly log: Logger,
  ) {}

  private today(): string {
    return dayOf(this.clock.now(), this.timeZone);
  }

  /** The top `limit` products of the last `days` days (today included), from Redis or else from SQL. */
  async popular(days: number, limit: number): Promise<Ranked[]> {
    const query = validateRankingQuery(days, limit);
    const today = this.today();
    try {
      const top = await this.store.top(query.days, query.limit, today);
      if (top) return top;
    } catch (error) {
      this.log.warn({ err: { message: (error as Error).message } }, "ranking: Redis unavailable, answering from SQL");
    }
    return this.popularFromDatabase(query.days, query.limit, today);
  }

  /** The same answer computed by SQL over order lines (cancelled lines excluded). */
  popularFromDatabase(days: number, limit: number, today = this.today()): Promise<Ranked[]> {
    return soldBetween(
      this.db,
      startOfDay(present(windowDays(today, days)[0], "the first day of the window"), this.timeZone),
      startOfDay(addDays(today, 1), this.timeZone),
      limit,
    );
  }

  /** Counts one order event in Redis, at most once however often it is delivered. */
  applyEvent(event: OrderEvent): Promise<ApplyOutcome> {
    return this.applyOn(event, this.today());
  }

  /**
   * Counts a batch of events (a ranking job), each at most once, and returns how many changed the
   * ranking (the others were seen before or are too old). The payments go in one script, as the
   * rebuild counts orders; the cancellations, rarer, one script each, sent back to back on the same
   * connection (pipelined). In which order the two run does not matter: the markers net a line to
   * zero either way. Every part is attempted before a failure is thrown, so one bad event does not
   * hold back the others, and the retry of the job finds them counted (duplicates, no-ops).
   * Events dated too far after this worker's day (MAX_DAYS_AHEAD) fail the job once the others are
   * counted: its retries count them when the day comes within reach, so none is dropped. When the
   * only failures are events no retry can count, the error is an UncountableEventError naming them
   * (the others were counted); any other failure is thrown as it is, to be retried.
   */
  async applyEvents(events: readonly OrderEvent[]): Promise<number> {
    const today = this.today();
    const payments = events.filter((event) => event.type === "ORDER_PAID").map(paidOrderOf);
    const counted = await Promise.allSettled<BatchOutcome>([
      payments.length > 0 ? this.store.applyPaidBatch(payments, today) : { applied: 0, ahead: 0 },
      ...events
        .filter((event) => event.type !== "ORDER_PAID")
        .map(async (event) => {
          const outcome = await this.store.applyCancel(event, today);
          return { applied: outcome === "applied" ? 1 : 0, ahead: outcome === "ahead" ? 1 : 0 };
        }),
    ]);
    let applied = 0;
    let ahead = 0;
    const uncountable: UncountableEventError[] = [];
    for (const outcome of counted) {
      if (outcome.status === "rejected") {
        if (!(outcome.reason instanceof UncountableEventError)) throw outcome.reason;
        uncountable.push(outcome.reason);
        continue;
      }
      applied += outcome.value.applied;
      ahead += outcome.value.ahead;
    }
    if (ahead > 0)
      throw new Error(
        `${ahead} event(s) dated more than ${MAX_DAYS_AHEAD} day ahead of this worker's day (${today}): retried until it comes`,
      );
    if (uncountable.length > 0)
      throw new UncountableEventError(
        uncountable.flatMap((error) => error.eventIds),
        uncountable.map((error) => error.message).join("; "),
      );
    return applied;
  }

  private applyOn(event: OrderEvent, today: string): Promise<ApplyOutcome> {
    return event.type === "ORDER_PAID" ? this.store.applyPaid(event, today) : this.store.applyCancel(event, today);
  }

  /** Whether Redis holds the complete ranking (its current generation's build marker). */
  isBuilt(): Promise<boolean> {
    return this.store.isBuilt();
  }

  /** Rebuilds when Redis has lost the ranking (no build marker); the worker calls it on a timer. */
  async ensureBuilt(): Promise<RebuildReport | null> {
    if (await this.store.isBuilt()) return null;
    this.log.warn("ranking: build marker missing, rebuilding from the database");
    return this.rebuild({ force: false });
  }

  /**
   * Recounts the tracked days from the database into a fresh generation of keys, then makes it the
   * current one in a single step and drops the old one (RankingGenerations). Readers keep reading
   * the old generation until the switch (no SQL fallback during a rebuild, no half-cleared ranking),
   * and live events count into both generations meanwhile: an order committed before the build
   * began is in the database the rebuild reads, one committed after reaches the new generation live,
   * and the per-generation markers count each once either way. `force: false` does nothing when the
   * ranking is built (checked under the lock: two workers noticing a lost ranking rebuild it once).
   * Returns null when another process holds the rebuild lock or there was nothing to do; throws
   * RebuildSupersededError when Redis lost the build meanwhile (nothing switched: run it again).
   *
   * Orders are counted REBUILD_BATCH at a time by one script into the daily keys while the next
   * batch is read from the database, and the maintained windows are then recomputed as unions of
   * the daily keys. One script per order into every key, as live events are counted, took the
   * worker over 10 minutes for a million lines on a busy 2-core machine (bench/scenarios/popular-products.ts),
   * with a quarter of a million script calls, four ZINCRBYs per line, event bodies and date
   * arithmetic in JS, and (the most of it) a full scan of order_item per batch (itemsOfOrders).
   */
  async rebuild({ force }: { force: boolean }): Promise<RebuildReport | null> {
    const owner = randomUUID();
    if (!(await this.store.tryLockRebuild(owner, REBUILD_LOCK_SECONDS))) return null;
    const started = Date.now();
    try {
      if (!force && (await this.store.isBuilt())) return null;
      const target = await this.store.beginBuild(REBUILD_LOCK_SECONDS);
      const today = this.today();
      const from = startOfDay(addDays(today, -(MAX_DAYS - 1)), this.timeZone);
      const report = { orders: 0, cancelledLines: 0 };
      for (let batch = await this.rebuildBatch(from, 0); batch.length > 0;) {
        const [, next] = await Promise.all([
          this.countRebuildBatch(batch, today, report, target),
          this.rebuildBatch(from, present(batch.at(-1), "the batch's last order").id),
        ]);
        await this.store.keepBuilding(target, REBUILD_LOCK_SECONDS, owner);
        batch = next;
      }
      await this.store.unionWindows(today, target);
      const dropped = await this.store.finishBuild(target, this.clock.now());
      rankingRebuilds.inc();
      const result = { ...report, ms: Date.now() - started };
      this.log.info({ ...result, generation: target.generation, droppedKeys: dropped }, "ranking rebuilt");
      return result;
    } finally {
      await this.store.unlockRebuild(owner);
    }
  }

  /** The next REBUILD_BATCH orders placed since `from` after `afterId`, each with its lines. */
  private async rebuildBatch(from: Date, afterId: number): Promise<OrderSnapshot[]> {
    const orders = await ordersSince(this.db, from, afterId, REBUILD_BATCH);
    if (orders.length === 0) return [];
    const items = await itemsOfOrders(this.db, afterId, present(orders.at(-1), "the batch's last order").id);
    const byOrder = new Map<number, Array<OrderSnapshot["items"][number]>>(orders.map((order) => [order.id, []]));
    for (const item of items) byOrder.get(item.orderId)?.push(item);
    return orders.map((order) => ({ ...order, items: present(byOrder.get(order.id), `lines of order ${order.id}`) }));
  }

  /**
   * Counts a batch: its payments in one script (into the daily keys; the windows are unions of those
   * at the end), then each cancelled line as its ORDER_ITEM_CANCELLED.
   * The order between the two does not matter: a cancellation seen first nets the line to zero
   * just as one seen after its payment does (the markers see to it).
   */
  private async countRebuildBatch(
    batch: readonly OrderSnapshot[],
    today: string,
    report: { orders: number; cancelledLines: number },
    target: BuildTarget,
  ): Promise<void> {
    const counted: Array<Promise<unknown>> = [this.store.applyPaidBatchToDays(batch, today, target)];
    for (const order of batch) {
      for (const item of order.items) {
        if (item.status !== "CANCELLED") continue;
        counted.push(
          this.store.applyCancel(
            orderEvent("ORDER_ITEM_CANCELLED", "rebuild", order.createdAt, order, item.id),
            today,
            target,
          ),
        );
        report.cancelledLines += 1;
      }
    }
    await Promise.all(counted);
    report.orders += batch.length;
  }
}

/** What the ranking counts of an ORDER_PAID event: when the order was paid, and its lines. */
function paidOrderOf(event: OrderEvent): PaidOrder {
  return {
    id: Number(event.order.id),
    createdAt: new Date(event.order.paidAt),
    items: event.order.items.map((item) => ({
      id: Number(item.id),
      productId: Number(item.productId),
      quantity: item.quantity,
    })),
  };
}
