import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../../db/client.js";
import { runInTransaction } from "../../db/transaction.js";
import { ordersPlaced } from "../../observability/metrics.js";
import { appendOutboxEvents } from "../../outbox/outbox.repository.js";
import { orderEvent, type OrderSnapshot } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import { badUserInput, notFound } from "../../shared/errors.js";
import { toPage, type Page, type PageRequest } from "../../shared/pagination.js";
import type { CartService } from "../cart/cart.service.js";
import { pickOption } from "../catalog/catalog.rules.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import type { IdempotencyService } from "../idempotency/idempotency.service.js";
import type { PointService } from "../point/point.service.js";
import {
  countOrdersOfMember,
  findOrderIdOfItem,
  findOrderOfMember,
  insertOrder,
  insertOrderItems,
  insertPayment,
  listItemsOfOrders,
  listOrdersOfMember,
  lockOrderOfMember,
  markItemsCancelled,
  recordRefund,
  type OrderRow,
} from "./order.repository.js";
import {
  cancelLines,
  ensureStockCovers,
  mergeLines,
  priceLines,
  validateOrderSource,
  type RequestedLine,
} from "./order.rules.js";

/** Told after a commit that wrote outbox events; must return at once (publishing happens in the background). */
export interface OutboxSignal {
  notify(): void;
}

export interface PlaceOrderInput {
  items?: RequestedLine[] | null;
  fromCart?: boolean | null;
  idempotencyKey?: string | null;
}

/**
 * READ COMMITTED is enough for every statement here: each decision (stock covers the lines, the
 * balance covers the total, a line is still PAID) is made on rows read with FOR UPDATE, and a locking
 * read returns the latest committed version whatever the isolation level. What READ COMMITTED adds
 * over REPEATABLE READ is what we want: no gap locks (fewer lock waits between unrelated orders) and
 * plain reads (names, prices) that see the latest committed catalog.
 */
const ORDER_TX = { isolationLevel: "read committed" } as const;

/** Orders paid from points, and their cancellation line by line. */
export class OrderService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly catalog: CatalogService,
    private readonly points: PointService,
    private readonly carts: CartService,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: OutboxSignal,
  ) {}

  /**
   * Places and pays an order in one transaction: stock rows locked in option id order, then the
   * wallet; stock taken, points deducted (USE), order, lines, payment and ORDER_PAID event written.
   * All or nothing. With an idempotency key, a repeat returns the first order.
   */
  async placeOrder(memberId: number, input: PlaceOrderInput): Promise<OrderRow> {
    const source = validateOrderSource(input.items, input.fromCart);
    let placed = false; // false when an idempotency key replays an earlier order
    const { orderId } = await runInTransaction(
      this.db,
      (tx) =>
        this.idempotency.once(tx, {
          memberId,
          scope: "PLACE_ORDER",
          key: input.idempotencyKey,
          request: { items: input.items ?? null, fromCart: input.fromCart ?? null },
          run: async () => {
            const paid = await this.payOrder(tx, memberId, source, input.items ?? []);
            placed = true;
            return paid;
          },
        }),
      ORDER_TX,
    );
    if (placed) {
      ordersPlaced.inc();
      this.outbox.notify();
    }
    return (await findOrderOfMember(this.db, orderId, memberId))!;
  }

  private async payOrder(tx: Tx, memberId: number, source: "items" | "cart", items: readonly RequestedLine[]): Promise<{ orderId: number }> {
    const cart = source === "cart" ? await this.carts.lockLinesForOrder(tx, memberId) : null;
    if (cart && cart.lines.length === 0) throw badUserInput("fromCart", "the cart is empty");
    const requested = cart ? cart.lines : items;

    // Settle each line's option from the catalog as committed now (a plain read: no lock needed,
    // options never move between products and the stock itself is locked below).
    const productIds = [...new Set(requested.map((line) => line.productId))];
    const options = await this.catalog.optionsOfProducts(tx, productIds);
    const lines = mergeLines(
      requested.map((line) => ({
        productId: line.productId,
        optionId: pickOption(line.productId, options.filter((option) => option.productId === line.productId), line.optionId).id,
        quantity: line.quantity,
      })),
    );

    const stock = await this.catalog.lockStock(tx, lines.map((line) => line.optionId));
    ensureStockCovers(lines, stock);
    const { lines: priced, totalAmount } = priceLines(lines, new Map(options.map((option) => [option.id, option])));
    const balanceAfter = await this.points.lockForPayment(tx, memberId, totalAmount);

    const paidAt = this.clock.now();
    await this.catalog.takeStock(tx, lines);
    const orderId = await insertOrder(tx, { memberId, totalAmount, createdAt: paidAt });
    const itemIds = await insertOrderItems(tx, orderId, paidAt, priced);
    await insertPayment(tx, { orderId, memberId, amount: totalAmount });
    await this.points.recordPayment(tx, { memberId, amount: totalAmount, balanceAfter, orderId });
    if (cart) await this.carts.removeOrderedLines(tx, cart.cartId, cart.lines.map((line) => line.id));

    const snapshot: OrderSnapshot = {
      id: orderId,
      memberId,
      totalAmount,
      createdAt: paidAt,
      items: priced.map((line, index) => ({ ...line, id: itemIds[index]!, status: "PAID" })),
    };
    await appendOutboxEvents(tx, [orderEvent("ORDER_PAID", randomUUID(), paidAt, snapshot)]);
    return { orderId };
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

  private async cancel(memberId: number, orderId: number, lineIds: number[] | null, missing: () => Error): Promise<OrderRow> {
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
        await this.catalog.returnStock(tx, result.cancelled);
        await this.points.refund(
          tx,
          memberId,
          result.cancelled.map((line) => ({ orderId, orderItemId: line.id, amount: line.amount })),
        );
        await markItemsCancelled(tx, result.cancelled.map((line) => line.id), at);
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
      ORDER_TX,
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
