import { randomUUID } from "node:crypto";
import type { Db } from "../../db/client.js";
import type { Logger } from "../../logger.js";
import { rankingRebuilds } from "../../observability/metrics.js";
import { orderEvent, type OrderEvent, type OrderSnapshot } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import { itemsOfOrders, ordersSince, soldSince } from "./ranking.repository.js";
import { MAX_DAYS, addDays, dayOf, startOfDay, validateRankingQuery, windowDays, type Ranked } from "./ranking.rules.js";
import type { ApplyOutcome, RankingStore } from "./ranking.store.js";

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
    return soldSince(this.db, startOfDay(windowDays(today, days)[0]!, this.timeZone), limit);
  }

  /** Counts one order event in Redis, at most once however often it is delivered. */
  applyEvent(event: OrderEvent): Promise<ApplyOutcome> {
    return event.type === "ORDER_PAID" ? this.store.applyPaid(event, this.today()) : this.store.applyCancel(event, this.today());
  }

  /** Rebuilds when Redis has lost the ranking (no build marker); the worker calls it on a timer. */
  async ensureBuilt(): Promise<RebuildReport | null> {
    if (await this.store.isBuilt()) return null;
    this.log.warn("ranking: build marker missing, rebuilding from the database");
    return this.rebuild({ force: false });
  }

  /**
   * Recounts the tracked days from the database: every order of the last MAX_DAYS days goes through
   * the same scripts as live events, so an event counted live and again here counts once, and live
   * events keep flowing while it runs. `force` first clears every ranking key (counts and markers).
   * Returns null when another process holds the rebuild lock.
   */
  async rebuild({ force }: { force: boolean }): Promise<RebuildReport | null> {
    const owner = randomUUID();
    if (!(await this.store.tryLockRebuild(owner, REBUILD_LOCK_SECONDS))) return null;
    const started = Date.now();
    try {
      if (force) await this.store.clear();
      const today = this.today();
      const from = startOfDay(addDays(today, -(MAX_DAYS - 1)), this.timeZone);
      const report = { orders: 0, cancelledLines: 0 };
      for (let afterId = 0; ; ) {
        const batch = await ordersSince(this.db, from, afterId, REBUILD_BATCH);
        if (batch.length === 0) break;
        const items = await itemsOfOrders(this.db, batch.map((order) => order.id));
        const applied: Array<Promise<ApplyOutcome>> = [];
        for (const order of batch) {
          const snapshot: OrderSnapshot = { ...order, items: items.filter((item) => item.orderId === order.id) };
          applied.push(this.store.applyPaid(orderEvent("ORDER_PAID", "rebuild", order.createdAt, snapshot), today));
          for (const item of snapshot.items.filter((line) => line.status === "CANCELLED")) {
            applied.push(this.store.applyCancel(orderEvent("ORDER_ITEM_CANCELLED", "rebuild", order.createdAt, snapshot, item.id), today));
            report.cancelledLines += 1;
          }
        }
        // Sent back to back on one connection (pipelined), each script a few microseconds of Redis.
        await Promise.all(applied);
        report.orders += batch.length;
        afterId = batch.at(-1)!.id;
      }
      await this.store.markBuilt(this.clock.now());
      rankingRebuilds.inc();
      const result = { ...report, ms: Date.now() - started };
      this.log.info(result, "ranking rebuilt");
      return result;
    } finally {
      await this.store.unlockRebuild(owner);
    }
  }
}
