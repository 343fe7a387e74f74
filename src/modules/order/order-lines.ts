import { pickOption } from "../catalog/catalog.rules.js";
import type { OptionView } from "../catalog/catalog.service.js";
import { mergeLines, priceLines, type OrderLine, type PricedLine, type RequestedLine } from "./order.rules.js";

/**
 * The lines of a purchase as they will be sold: each requested line's option settled (pickOption:
 * the one option of a single-option product may be left out), lines of one option merged, in option
 * id order, priced from the catalog as read. Placing an order and starting a checkout share it, so a
 * basket costs the same whichever way it is paid.
 */
export function resolveLines(
  requested: readonly RequestedLine[],
  options: readonly OptionView[],
): { lines: OrderLine[]; priced: PricedLine[]; totalAmount: number } {
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
  const { lines: priced, totalAmount } = priceLines(lines, new Map(options.map((option) => [option.id, option])));
  return { lines, priced, totalAmount };
}
