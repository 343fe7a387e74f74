import { present } from "../../shared/present.js";
import { DomainError, ErrorCode, badUserInput, notFound } from "../../shared/errors.js";

export const ORDER_LINES_MAX = 100;
export const ORDER_LINE_QUANTITY_MAX = 1000;

export type OrderStatus = "PAID" | "PARTIALLY_CANCELLED" | "CANCELLED";
export type OrderItemStatus = "PAID" | "CANCELLED";

/** A requested line before the option is settled (optionId may be left out for single-option products). */
export interface RequestedLine {
  productId: number;
  optionId: number | null;
  quantity: number;
}

export interface OrderLine {
  productId: number;
  optionId: number;
  quantity: number;
}

function validQuantity(quantity: number, field: string): number {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > ORDER_LINE_QUANTITY_MAX) {
    throw badUserInput(field, `quantity must be a whole number from 1 to ${ORDER_LINE_QUANTITY_MAX}`);
  }
  return quantity;
}

/**
 * The stock an order needed was taken by other orders between its read and its take, every time it
 * was tried, while the stock re-read after each try covered it again (restocks, cancellations): not
 * a shortage, so no INSUFFICIENT_STOCK with a made-up availability. Nothing was changed.
 */
export const stockKeptChanging = (): DomainError =>
  new DomainError(
    ErrorCode.CONFLICT,
    "the stock of these items kept changing while the order was being placed: nothing was changed, try again",
    {
      retryable: true,
    },
  );

/** placeOrder takes exactly one of `items` (1..100 lines of 1..1000 units) or `fromCart: true`. */
export function validateOrderSource(
  items: readonly RequestedLine[] | null | undefined,
  fromCart: boolean | null | undefined,
): "items" | "cart" {
  if ((items != null) === (fromCart === true)) {
    throw badUserInput("input", "give exactly one of items or fromCart: true");
  }
  if (items == null) return "cart"; // so fromCart is true (the check above)
  if (items.length === 0 || items.length > ORDER_LINES_MAX) {
    throw badUserInput("items", `an order has 1 to ${ORDER_LINES_MAX} lines`);
  }
  items.forEach((line, index) => validQuantity(line.quantity, `items[${index}].quantity`));
  return "items";
}

/**
 * Lines of the same option become one, and the result is sorted by option id: the order in which
 * stock rows are locked, so that two orders over the same options cannot deadlock each other.
 */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const byOption = new Map<number, OrderLine>();
  for (const line of lines) {
    const seen = byOption.get(line.optionId);
    byOption.set(line.optionId, seen ? { ...seen, quantity: seen.quantity + line.quantity } : { ...line });
  }
  const merged = [...byOption.values()].sort((a, b) => a.optionId - b.optionId);
  // Checked again after merging: an order from the cart arrives here without validateOrderSource's count.
  if (merged.length > ORDER_LINES_MAX) throw badUserInput("items", `an order has 1 to ${ORDER_LINES_MAX} lines`);
  merged.forEach((line) => validQuantity(line.quantity, "items"));
  return merged;
}

/** The first line (in option order) asking for more than its locked stock holds, as INSUFFICIENT_STOCK. */
export function ensureStockCovers(lines: readonly OrderLine[], stockByOption: ReadonlyMap<number, number>): void {
  for (const line of lines) {
    const available = stockByOption.get(line.optionId) ?? 0;
    if (line.quantity > available) {
      throw new DomainError(
        ErrorCode.INSUFFICIENT_STOCK,
        `only ${available} left of option ${line.optionId} of product ${line.productId}; ${line.quantity} requested`,
        { productId: String(line.productId), optionId: String(line.optionId), available, requested: line.quantity },
      );
    }
  }
}

export interface OptionSnapshot {
  id: number;
  productName: string;
  name: string;
  price: number;
}

/** What an order line keeps: names and unit price as they were when the order was paid. */
export interface PricedLine extends OrderLine {
  productName: string;
  optionName: string;
  unitPrice: number;
  amount: number;
}

export function priceLines(
  lines: readonly OrderLine[],
  options: ReadonlyMap<number, OptionSnapshot>,
): { lines: PricedLine[]; totalAmount: number } {
  const priced = lines.map((line) => {
    const option = present(options.get(line.optionId), `option ${line.optionId}`);
    return {
      ...line,
      productName: option.productName,
      optionName: option.name,
      unitPrice: option.price,
      amount: option.price * line.quantity,
    };
  });
  return { lines: priced, totalAmount: priced.reduce((sum, line) => sum + line.amount, 0) };
}

/** An order's status follows its lines: all paid, none paid, or some of each. */
export function orderStatusOf(lineStatuses: readonly OrderItemStatus[]): OrderStatus {
  const paid = lineStatuses.filter((status) => status === "PAID").length;
  if (paid === lineStatuses.length) return "PAID";
  return paid === 0 ? "CANCELLED" : "PARTIALLY_CANCELLED";
}

export interface OrderLineState {
  id: number;
  optionId: number;
  productId: number;
  quantity: number;
  amount: number;
  status: OrderItemStatus;
}

export interface Cancellation {
  /** The lines that go from PAID to CANCELLED now. */
  cancelled: OrderLineState[];
  /** Points going back: the cancelled lines' amounts. */
  refund: number;
  status: OrderStatus;
  refundedAmount: number;
}

/**
 * Cancels lines of an order. A line already cancelled is NOT_CANCELLABLE (a line is refunded at most
 * once); `lineIds` null means every line still paid (cancelOrder), which needs at least one.
 */
export function cancelLines(
  lines: readonly OrderLineState[],
  lineIds: readonly number[] | null,
  refundedBefore: number,
): Cancellation {
  const unknown = lineIds?.find((id) => !lines.some((line) => line.id === id));
  if (unknown !== undefined) throw notFound("order item", unknown);
  const targets =
    lineIds === null
      ? lines.filter((line) => line.status === "PAID")
      : lines.filter((line) => lineIds.includes(line.id));
  if (targets.length === 0 || targets.some((line) => line.status !== "PAID")) {
    throw new DomainError(
      ErrorCode.NOT_CANCELLABLE,
      lineIds === null ? "every line of this order is already cancelled" : "this order line is already cancelled",
    );
  }
  const cancelledIds = new Set(targets.map((line) => line.id));
  const refund = targets.reduce((sum, line) => sum + line.amount, 0);
  return {
    cancelled: targets.map((line) => ({ ...line, status: "CANCELLED" })),
    refund,
    status: orderStatusOf(lines.map((line) => (cancelledIds.has(line.id) ? "CANCELLED" : line.status))),
    refundedAmount: refundedBefore + refund,
  };
}

/**
 * Units per option over the lines of several orders committed together, in option id order (the
 * order the stock rows are locked in).
 */
export function unitsByOption(lines: readonly OrderLine[]): Array<{ optionId: number; quantity: number }> {
  const units = new Map<number, number>();
  for (const line of lines) units.set(line.optionId, (units.get(line.optionId) ?? 0) + line.quantity);
  return [...units].sort(([a], [b]) => a - b).map(([optionId, quantity]) => ({ optionId, quantity }));
}

/** What is left of each option's stock once `lines` are taken (only the options they touch). */
export function stockAfter(stock: ReadonlyMap<number, number>, lines: readonly OrderLine[]): Map<number, number> {
  const left = new Map(stock);
  for (const line of lines) left.set(line.optionId, (left.get(line.optionId) ?? 0) - line.quantity);
  return left;
}

/**
 * How the amount of cancelled lines goes back on an order paid by card and points: to the card first
 * (a partial cancel at the PG), up to what the card has left to give back, and the rest to points.
 * The buyer paid the card in money and points are the shop's own currency, so money goes back first.
 */
export function splitRefund(refund: number, cardRefundable: number): { card: number; points: number } {
  const card = Math.min(refund, Math.max(cardRefundable, 0));
  return { card, points: refund - card };
}
