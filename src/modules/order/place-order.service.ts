import { runBatchedTransaction, type BatchedTransaction } from "../../db/batched-transaction.js";
import type { TransactionOptions } from "../../db/transaction.js";
import { ordersPlaced } from "../../observability/metrics.js";
import { badUserInput } from "../../shared/errors.js";
import { orderTransaction, type OrderDeps } from "./order.deps.js";
import { OrderGroups } from "./order-groups.js";
import type { OrderQueries } from "./order-queries.service.js";
import type { PlacedOrder } from "./order.repository.js";
import { ensureStockCovers, stockKeptChanging, validateOrderSource, type RequestedLine } from "./order.rules.js";
import { payOrders, StockTakenMeanwhile, type PaidOrder } from "./pay-orders.js";
import { present } from "../../shared/present.js";

export interface PlaceOrderInput {
  items?: readonly RequestedLine[] | null;
  fromCart?: boolean | null;
  idempotencyKey?: string | null;
}

/** What one lone transaction did: paid the order now, or found the order an earlier request with its key paid. */
type LoneResult = { paid: PaidOrder } | { replayOf: number };

/** Tries of an order whose stock vanished between the read and the take but is back when re-read. */
const STOCK_RACE_ATTEMPTS = 3;

/**
 * Places and pays orders from points, all or nothing, in a transaction shaped for a flash sale: every
 * buyer wants the same stock row, so the time each order holds that row is the sale's throughput.
 * Locks are taken in one global order: idempotency key, cart, wallet, then stock rows (option id
 * order). Three round trips (src/db/batched-transaction.ts):
 *   1. open the transaction; read the options (names, prices, stock as committed, no lock) and lock
 *      the wallet;
 *   2. pay: wallet, order, lines, payment, ledger entry (rows nobody else waits for);
 *   3. the outbox event, take the stock, COMMIT, in one batch: the hot stock row is locked only while
 *      the server runs the last two statements.
 * The visible stock is checked in step 1 so a sold-out product fails before anything is written; the
 * stock UPDATE in step 3 is what decides, under the row lock.
 */
export class PlaceOrderService {
  private readonly transaction: TransactionOptions;
  private readonly groups: OrderGroups;

  constructor(
    private readonly deps: OrderDeps,
    private readonly queries: OrderQueries,
  ) {
    this.transaction = orderTransaction(deps);
    this.groups = new OrderGroups(deps.pool, this.transaction, deps.clock);
  }

  /** Places the order; with an idempotency key, a repeat returns the first order. Returns it as committed, with its lines. */
  async placeOrder(memberId: number, input: PlaceOrderInput): Promise<PlacedOrder> {
    const source = validateOrderSource(input.items, input.fromCart);
    // Plain orders of listed items go through the group commit; an idempotency key or the cart
    // brings rows of their own into the transaction, so those orders keep a transaction each.
    if (source === "items" && input.idempotencyKey == null) {
      const answer = await this.groups.submit({ memberId, requested: present(input.items, "the items") });
      if ("placed" in answer) return this.committed(answer.placed);
    }
    return this.placeAlone(memberId, source, input);
  }

  /**
   * One order in a transaction of its own. If the stock covered it when read and was gone when taken,
   * the stock is read again to say which line is short now; if none is (restocked in between), the
   * order is tried again, a few times; past that the buyer is told to retry, not that stock is missing.
   */
  private async placeAlone(memberId: number, source: "items" | "cart", input: PlaceOrderInput): Promise<PlacedOrder> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.placeOnce(memberId, source, input);
      } catch (error) {
        if (!(error instanceof StockTakenMeanwhile)) throw error;
        const stock = await this.deps.catalog.optionsByIds(
          this.deps.db,
          error.lines.map((line) => line.optionId),
        );
        ensureStockCovers(error.lines, new Map(stock.map((option) => [option.id, option.stock])));
        if (attempt >= STOCK_RACE_ATTEMPTS) throw stockKeptChanging();
      }
    }
  }

  private async placeOnce(memberId: number, source: "items" | "cart", input: PlaceOrderInput): Promise<PlacedOrder> {
    const result = await runBatchedTransaction(
      this.deps.pool,
      "place_order",
      (tx) => this.payOnce(tx, memberId, source, input),
      this.transaction,
    );
    if ("replayOf" in result) return this.queries.placedOrder(memberId, result.replayOf);
    return this.committed(result.paid);
  }

  /** Inside the transaction: pays the order, once per idempotency key when one is given. */
  private async payOnce(
    tx: BatchedTransaction,
    memberId: number,
    source: "items" | "cart",
    input: PlaceOrderInput,
  ): Promise<LoneResult> {
    if (input.idempotencyKey == null) return { paid: await this.pay(tx, memberId, source, input) };
    // Set only when this transaction pays; a replay leaves it unset. Each try of the transaction
    // (a deadlock retry) starts with its own.
    let paid: PaidOrder | undefined;
    const { orderId } = await this.deps.idempotency.once(await tx.drizzle(), {
      memberId,
      scope: "PLACE_ORDER",
      key: input.idempotencyKey,
      request: { items: input.items ?? null, fromCart: input.fromCart ?? null },
      run: async () => {
        paid = await this.pay(tx, memberId, source, input);
        return { orderId: paid.order.id };
      },
    });
    return paid ? { paid } : { replayOf: orderId };
  }

  /** The order of the items, or of the cart (locked, then emptied of the lines ordered). */
  private async pay(
    tx: BatchedTransaction,
    memberId: number,
    source: "items" | "cart",
    input: PlaceOrderInput,
  ): Promise<PaidOrder> {
    const cart = source === "cart" ? await this.deps.carts.lockLinesForOrder(await tx.drizzle(), memberId) : null;
    if (cart?.lines.length === 0) throw badUserInput("fromCart", "the cart is empty");
    const [paying] = await payOrders(
      tx,
      [{ memberId, requested: cart ? cart.lines : (input.items ?? []) }],
      "wait",
      this.deps.clock,
    );
    const outcome = present(paying, "the order's outcome");
    if (!outcome.ok) throw outcome.error;
    if (cart)
      await this.deps.carts.removeOrderedLines(
        await tx.drizzle(),
        cart.cartId,
        cart.lines.map((line) => line.id),
      );
    return outcome.value;
  }

  /** After a commit that placed an order (a replay is not counted): the outbox relay gets its event at once. */
  private committed({ event, ...placed }: PaidOrder): PlacedOrder {
    ordersPlaced.inc();
    this.deps.outbox.notify([event]);
    return placed;
  }
}
