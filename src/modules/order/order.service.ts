import { randomUUID } from "node:crypto";
import type { Pool } from "mysql2/promise";
import { runBatchedTransaction, type BatchedTransaction } from "../../db/batched-transaction.js";
import { GroupCommit, type Outcome } from "../../db/group-commit.js";
import type { Db } from "../../db/client.js";
import { runInTransaction, type TransactionOptions } from "../../db/transaction.js";
import { groupFallbacks, ordersPlaced } from "../../observability/metrics.js";
import { appendOutboxEvents } from "../../outbox/outbox.repository.js";
import { orderEvent, type OrderSnapshot } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError, badUserInput, notFound } from "../../shared/errors.js";
import { toPage, type Page, type PageRequest } from "../../shared/pagination.js";
import type { CartService } from "../cart/cart.service.js";
import { pickOption } from "../catalog/catalog.rules.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import { isStockShortage } from "../catalog/catalog.statements.js";
import type { IdempotencyService } from "../idempotency/idempotency.service.js";
import { balanceAfterUse } from "../point/point.rules.js";
import type { PointService } from "../point/point.service.js";
import {
  appendOutboxAtCommit,
  readForPlacement,
  takeStockAtCommit,
  writeOrders,
  type WalletLocking,
} from "./order-placement.repository.js";
import {
  countOrdersOfMember,
  findOrderIdOfItem,
  findOrderOfMember,
  listItemsOfOrders,
  listOrdersOfMember,
  lockOrderOfMember,
  markItemsCancelled,
  recordRefund,
  type OrderItemRow,
  type OrderRow,
} from "./order.repository.js";
import {
  cancelLines,
  ensureStockCovers,
  mergeLines,
  priceLines,
  stockAfter,
  stockKeptChanging,
  unitsByOption,
  validateOrderSource,
  type OrderLine,
  type PricedLine,
  type RequestedLine,
} from "./order.rules.js";

/** Told after a commit that wrote outbox events; must return at once (publishing happens in the background). */
export interface OutboxSignal {
  notify(): void;
}

export interface PlaceOrderInput {
  items?: readonly RequestedLine[] | null;
  fromCart?: boolean | null;
  idempotencyKey?: string | null;
}

/** An order as committed, with its lines, so the answer needs no read after the commit. */
export interface PlacedOrder {
  order: OrderRow;
  items: OrderItemRow[];
}

interface PaidOrder extends PlacedOrder {
  /** The merged lines whose stock the transaction takes at commit. */
  lines: OrderLine[];
}

/** The stock UPDATE at commit found a line no longer covered (others bought it since it was read). */
class StockTakenMeanwhile extends Error {
  constructor(readonly lines: OrderLine[]) {
    super("stock taken by concurrent orders");
  }
}

/** One plain order waiting for the group commit. */
interface OrderRequest {
  memberId: number;
  requested: readonly RequestedLine[];
}

/** The buyer's wallet was held by another transaction, so a group of orders skipped this order. */
class WalletHeld extends Error {
  constructor(readonly memberId: number) {
    super(`wallet of member ${memberId} is held by another transaction`);
  }
}

/**
 * What the group commit answers a plain order: placed, or to be placed on its own (its wallet was
 * held, or nothing of its group was committed). Lone placements run outside the group's turn, so an
 * order that has to wait for a lock never holds up the orders queued behind the group.
 */
type GroupAnswer = { placed: PlacedOrder } | { placeAlone: true };
const PLACE_ALONE: GroupAnswer = { placeAlone: true };

/** Largest group of orders committed in one transaction. */
const MAX_ORDER_GROUP = 64;
/**
 * A group of orders running longer than this is set aside and the next group starts (GroupCommit):
 * a group stuck on a half-open connection, until its batch timeout, must not stop every plain order
 * of the process. Far above a healthy group's time (a few ms; p99 ~100 ms with 64 buyers).
 */
const ORDER_GROUP_STUCK_MS = 1_000;

/** The order and its lines as they were written, so the answer needs no read after the commit. */
function paidOrder(
  snapshot: OrderSnapshot,
  priced: readonly PricedLine[],
  lines: OrderLine[],
  paidAt: Date,
): PaidOrder {
  const order: OrderRow = {
    id: snapshot.id,
    memberId: snapshot.memberId,
    status: "PAID",
    totalAmount: snapshot.totalAmount,
    refundedAmount: 0,
    createdAt: paidAt,
    updatedAt: paidAt,
  };
  const items: OrderItemRow[] = priced.map((line, index) => ({
    id: snapshot.items[index]!.id,
    orderId: snapshot.id,
    productId: line.productId,
    optionId: line.optionId,
    productName: line.productName,
    optionName: line.optionName,
    unitPrice: line.unitPrice,
    quantity: line.quantity,
    amount: line.amount,
    status: "PAID",
    createdAt: paidAt,
    cancelledAt: null,
    updatedAt: paidAt,
  }));
  return { order, items, lines };
}

/** Tries of an order whose stock vanished between the read and the take but is back when re-read. */
const STOCK_RACE_ATTEMPTS = 3;

/**
 * READ COMMITTED is enough for every statement here: each decision is made on the latest committed
 * row under its lock, whatever the isolation level: the balance and a line still PAID on rows read
 * with FOR UPDATE, the stock by an UPDATE (which locks and reads the latest version) refused by a
 * CHECK constraint if it would go below zero. What READ COMMITTED adds
 * over REPEATABLE READ is what we want: no gap locks (fewer lock waits between unrelated orders) and
 * plain reads (names, prices) that see the latest committed catalog.
 */
const ORDER_ISOLATION = "read committed";

/** Orders paid from points, and their cancellation line by line. */
export class OrderService {
  constructor(
    private readonly db: Db,
    /** The same database as `db`: placeOrder sends its statements in batches on a connection of its own. */
    private readonly pool: Pool,
    private readonly clock: Clock,
    private readonly catalog: CatalogService,
    private readonly points: PointService,
    private readonly carts: CartService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxSignal,
    /** DB_BATCH_TIMEOUT_MS: how long a batch of placeOrder waits for the database's answer. */
    batchTimeoutMs?: number,
  ) {
    this.orderTx = { isolationLevel: ORDER_ISOLATION, batchTimeoutMs };
  }

  private readonly orderTx: TransactionOptions;

  private readonly groups = new GroupCommit<OrderRequest, GroupAnswer>(
    (requests) => this.placeGroup(requests),
    MAX_ORDER_GROUP,
    ORDER_GROUP_STUCK_MS,
  );

  /**
   * Places and pays an order in one transaction, all or nothing. With an idempotency key, a repeat
   * returns the first order. Returns the order as committed, with its lines.
   *
   * The transaction is shaped for a flash sale, where every buyer wants the same stock row and the
   * time each order holds that row is the sale's throughput. Locks are taken in one global order:
   * idempotency key, cart, wallet, then stock rows (option id order). Three round trips:
   *   1. open the transaction; read the options (names, prices, stock as committed, no lock) and lock
   *      the wallet;
   *   2. pay: wallet, order, lines, payment, ledger entry (rows nobody else waits for);
   *   3. the outbox event, take the stock, COMMIT, in one batch: the hot stock row is locked only
   *      while the server runs the last two statements.
   * The visible stock is checked in step 1 so a sold-out product fails before anything is written;
   * the stock UPDATE in step 3 is what decides, under the row lock (see takeStockAtCommit).
   */
  async placeOrder(memberId: number, input: PlaceOrderInput): Promise<PlacedOrder> {
    const source = validateOrderSource(input.items, input.fromCart);
    // Plain orders of listed items go through the group commit; an idempotency key or the cart
    // brings rows of their own into the transaction, so those orders keep a transaction each.
    if (source === "items" && input.idempotencyKey == null) {
      const answer = await this.groups.submit({ memberId, requested: input.items! });
      if ("placed" in answer) return answer.placed;
    }
    return this.placeAlone(memberId, source, input);
  }

  /**
   * A group of plain orders in one transaction that never waits for a wallet (see WalletHeld). If
   * the group as a whole fails, and is known to have committed nothing, each order is placed alone.
   */
  private async placeGroup(requests: OrderRequest[]): Promise<Array<Outcome<GroupAnswer>>> {
    let outcomes: Array<Outcome<PaidOrder>>;
    try {
      outcomes = await runBatchedTransaction(
        this.pool,
        "place_order",
        (tx) => this.payOrders(tx, requests, "skip-locked"),
        this.orderTx,
      );
    } catch (error) {
      // The COMMIT's answer was lost and the database could not say whether it was applied: placing
      // these orders again could charge their buyers twice, so each is told the outcome is unknown.
      if (error instanceof DomainError && error.details.outcomeUnknown === true)
        return requests.map(() => ({ ok: false, error }));
      // Nothing of the group was committed (stock taken by another process between the read and the
      // take, lock retries used up, a connection lost before COMMIT or a COMMIT found rolled back):
      // every order is placed on its own, where each gets its own answer.
      groupFallbacks.inc();
      return requests.map(() => ({ ok: true, value: PLACE_ALONE }));
    }
    return outcomes.map((outcome): Outcome<GroupAnswer> => {
      if (outcome.ok) return { ok: true, value: { placed: this.committed(outcome.value) } };
      return outcome.error instanceof WalletHeld ? { ok: true, value: PLACE_ALONE } : outcome;
    });
  }

  private committed(paid: PaidOrder): PlacedOrder {
    ordersPlaced.inc();
    this.outbox.notify();
    return { order: paid.order, items: paid.items };
  }

  private async placeAlone(memberId: number, source: "items" | "cart", input: PlaceOrderInput): Promise<PlacedOrder> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.placeOrderOnce(memberId, source, input);
      } catch (error) {
        if (!(error instanceof StockTakenMeanwhile)) throw error;
        // Stock covered the order when it was read and was gone when it was taken: say which line is
        // short now. If none is short any more (restocked in between), the order is tried again, a
        // few times; past that the buyer is told to retry, not that stock is missing.
        const stock = await this.catalog.optionsByIds(
          this.db,
          error.lines.map((line) => line.optionId),
        );
        ensureStockCovers(error.lines, new Map(stock.map((option) => [option.id, option.stock])));
        if (attempt >= STOCK_RACE_ATTEMPTS) throw stockKeptChanging();
      }
    }
  }

  private async placeOrderOnce(
    memberId: number,
    source: "items" | "cart",
    input: PlaceOrderInput,
  ): Promise<PlacedOrder> {
    // What this call paid; stays null when an idempotency key replays an earlier order.
    const attempt: { paid: PaidOrder | null } = { paid: null };
    let orderId: number;
    try {
      ({ orderId } = await runBatchedTransaction(
        this.pool,
        "place_order",
        async (tx) => {
          attempt.paid = null; // a retried attempt starts over
          const pay = async (): Promise<{ orderId: number }> => {
            const cart = source === "cart" ? await this.carts.lockLinesForOrder(await tx.drizzle(), memberId) : null;
            if (cart && cart.lines.length === 0) throw badUserInput("fromCart", "the cart is empty");
            const [outcome] = await this.payOrders(
              tx,
              [{ memberId, requested: cart ? cart.lines : (input.items ?? []) }],
              "wait",
            );
            if (!outcome!.ok) throw outcome!.error;
            if (cart)
              await this.carts.removeOrderedLines(
                await tx.drizzle(),
                cart.cartId,
                cart.lines.map((line) => line.id),
              );
            attempt.paid = outcome!.value;
            return { orderId: outcome!.value.order.id };
          };
          if (input.idempotencyKey == null) return pay();
          return this.idempotency.once(await tx.drizzle(), {
            memberId,
            scope: "PLACE_ORDER",
            key: input.idempotencyKey,
            request: { items: input.items ?? null, fromCart: input.fromCart ?? null },
            run: pay,
          });
        },
        this.orderTx,
      ));
    } catch (error) {
      if (attempt.paid && isStockShortage(error)) throw new StockTakenMeanwhile(attempt.paid.lines);
      throw error;
    }
    if (attempt.paid) return this.committed(attempt.paid);
    const order = (await findOrderOfMember(this.db, orderId, memberId))!;
    return { order, items: await listItemsOfOrders(this.db, [orderId]) };
  }

  /**
   * Pays one or more orders inside `tx`: one read, one batch of writes, and the stock taken at
   * commit (see placeOrder). Each order is decided on its own, in the order given, against the stock
   * and balances left by the ones before it; an order refused (a DomainError) is left out and gets
   * its error, the others go on. Any other error fails the transaction.
   */
  private async payOrders(
    tx: BatchedTransaction,
    requests: readonly OrderRequest[],
    walletLocking: WalletLocking,
  ): Promise<Array<Outcome<PaidOrder>>> {
    const productIds = [...new Set(requests.flatMap((request) => request.requested.map((line) => line.productId)))];
    const memberIds = [...new Set(requests.map((request) => request.memberId))];
    const { options, balances } = await readForPlacement(tx, memberIds, productIds, walletLocking);
    const optionsById = new Map(options.map((option) => [option.id, option]));
    let stock = new Map(options.map((option) => [option.id, option.stock]));

    const outcomes: Array<Outcome<PaidOrder> | null> = [];
    const accepted: Array<{
      index: number;
      memberId: number;
      lines: OrderLine[];
      priced: PricedLine[];
      totalAmount: number;
      balanceAfter: number;
    }> = [];
    for (const [index, { memberId, requested }] of requests.entries()) {
      if (walletLocking === "skip-locked" && !balances.has(memberId)) {
        outcomes.push({ ok: false, error: new WalletHeld(memberId) });
        continue;
      }
      try {
        const lines = mergeLines(
          requested.map((line) => ({
            productId: line.productId,
            optionId: pickOption(
              line.productId,
              options.filter((option) => option.productId === line.productId),
              line.optionId,
            ).id,
            quantity: line.quantity,
          })),
        );
        ensureStockCovers(lines, stock);
        const { lines: priced, totalAmount } = priceLines(lines, optionsById);
        const balance = balances.get(memberId);
        if (balance === undefined) throw new Error(`member ${memberId} has no wallet`);
        const balanceAfter = balanceAfterUse(balance, totalAmount);
        balances.set(memberId, balanceAfter);
        stock = stockAfter(stock, lines);
        accepted.push({ index, memberId, lines, priced, totalAmount, balanceAfter });
        outcomes.push(null);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcomes.push({ ok: false, error });
      }
    }
    if (accepted.length === 0) {
      tx.endWithoutWriting();
      return outcomes as Array<Outcome<PaidOrder>>;
    }

    const paidAt = this.clock.now();
    const ids = await writeOrders(
      tx,
      accepted.map((order) => ({ ...order, paidAt, lines: order.priced })),
    );
    const events = accepted.map((order, position) => {
      const { orderId, itemIds } = ids[position]!;
      const snapshot: OrderSnapshot = {
        id: orderId,
        memberId: order.memberId,
        totalAmount: order.totalAmount,
        createdAt: paidAt,
        items: order.priced.map((line, lineIndex) => ({ ...line, id: itemIds[lineIndex]!, status: "PAID" })),
      };
      outcomes[order.index] = { ok: true, value: paidOrder(snapshot, order.priced, order.lines, paidAt) };
      return orderEvent("ORDER_PAID", randomUUID(), paidAt, snapshot);
    });
    appendOutboxAtCommit(tx, events);
    takeStockAtCommit(tx, unitsByOption(accepted.flatMap((order) => order.lines)));
    return outcomes as Array<Outcome<PaidOrder>>;
  }

  /** Cancels one PAID line of the caller's order: stock back, amount refunded, order status follows. */
  async cancelOrderItem(memberId: number, orderItemId: number): Promise<OrderRow> {
    const orderId = await findOrderIdOfItem(this.db, orderItemId);
    if (orderId === undefined) throw notFound("order item", orderItemId);
    return this.cancel(memberId, orderId, [orderItemId], () => notFound("order item", orderItemId));
  }

  /** Cancels every line of the caller's order that is still PAID. */
  cancelOrder(memberId: number, orderId: number): Promise<OrderRow> {
    return this.cancel(memberId, orderId, null, () => notFound("order", orderId));
  }

  private async cancel(
    memberId: number,
    orderId: number,
    lineIds: number[] | null,
    missing: () => Error,
  ): Promise<OrderRow> {
    await runInTransaction(
      this.db,
      async (tx) => {
        // The order row lock serializes every cancellation of this order: the lines read after it
        // are the latest committed, so a line can be refunded only once.
        const order = await lockOrderOfMember(tx, orderId, memberId);
        if (!order) throw missing();
        const items = await listItemsOfOrders(tx, [orderId]);
        const result = cancelLines(items, lineIds, order.refundedAmount);

        const at = this.clock.now();
        // Wallet before stock rows: the lock order placeOrder uses, so the two cannot deadlock.
        await this.points.refund(
          tx,
          memberId,
          result.cancelled.map((line) => ({ orderId, orderItemId: line.id, amount: line.amount })),
          at,
        );
        await this.catalog.returnStock(tx, result.cancelled);
        await markItemsCancelled(
          tx,
          result.cancelled.map((line) => line.id),
          at,
        );
        await recordRefund(tx, orderId, result.status, result.refundedAmount);

        const cancelledIds = new Set(result.cancelled.map((line) => line.id));
        const snapshot: OrderSnapshot = {
          ...order,
          items: items.map((item) => (cancelledIds.has(item.id) ? { ...item, status: "CANCELLED" } : item)),
        };
        await appendOutboxEvents(
          tx,
          result.cancelled.map((line) => orderEvent("ORDER_ITEM_CANCELLED", randomUUID(), at, snapshot, line.id)),
        );
      },
      { ...this.orderTx, askLostCommit: { pool: this.pool, unit: "cancel_order" } },
    );
    this.outbox.notify();
    return (await findOrderOfMember(this.db, orderId, memberId))!;
  }

  /** The caller's order; another member's order is NOT_FOUND, like one that does not exist. */
  async orderOf(memberId: number, orderId: number): Promise<OrderRow> {
    const order = await findOrderOfMember(this.db, orderId, memberId);
    if (!order) throw notFound("order", orderId);
    return order;
  }

  async ordersOf(memberId: number, request: PageRequest): Promise<Page<OrderRow>> {
    return toPage(await listOrdersOfMember(this.db, memberId, request), request);
  }

  countOrdersOf(memberId: number): Promise<number> {
    return countOrdersOfMember(this.db, memberId);
  }
}
