import { badUserInput } from "../../shared/errors.js";

/** The most units of one option a cart line (or order line) may hold. */
export const LINE_QUANTITY_MAX = 1000;

/** A quantity for a cart line: 1..1000, or 0 when `zeroRemoves` (updateCartItem's "remove" meaning). */
export function validateLineQuantity(quantity: number, zeroRemoves = false): number {
  const min = zeroRemoves ? 0 : 1;
  if (!Number.isInteger(quantity) || quantity < min || quantity > LINE_QUANTITY_MAX) {
    throw badUserInput("quantity", `quantity must be a whole number from ${min} to ${LINE_QUANTITY_MAX}`);
  }
  return quantity;
}

/** Distinct options a cart holds: the same as an order's line limit, so a full cart can still be ordered. */
export const CART_LINES_MAX = 100;

export function ensureRoomForNewLine(lineCount: number): void {
  if (lineCount >= CART_LINES_MAX)
    throw badUserInput("productId", `a cart holds at most ${CART_LINES_MAX} different options`);
}

/** Adding to a line that already holds units of the option adds to it, within the per-line maximum. */
export function mergedLineQuantity(existing: number, adding: number): number {
  const total = existing + validateLineQuantity(adding);
  if (total > LINE_QUANTITY_MAX) {
    throw badUserInput("quantity", `a cart line holds at most ${LINE_QUANTITY_MAX} units; it already has ${existing}`);
  }
  return total;
}

export const lineTotal = (unitPrice: number, quantity: number): number => unitPrice * quantity;

export interface PricedLine {
  unitPrice: number;
  quantity: number;
}

/** Cart totals from current prices. */
export function cartTotals(lines: readonly PricedLine[]): { totalQuantity: number; totalAmount: number } {
  return lines.reduce(
    (totals, line) => ({
      totalQuantity: totals.totalQuantity + line.quantity,
      totalAmount: totals.totalAmount + lineTotal(line.unitPrice, line.quantity),
    }),
    { totalQuantity: 0, totalAmount: 0 },
  );
}
