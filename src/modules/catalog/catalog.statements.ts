import { rowsOf, type Statement, type StatementResult } from "../../db/batched-transaction.js";
import { isCheckViolation } from "../../db/errors.js";
import type { OptionView } from "./catalog.repository.js";
import { optionPrice } from "./catalog.rules.js";

/**
 * The catalog tables' statements for a batched transaction (src/db/batched-transaction.ts), which
 * order placement composes into its batches. The catalog module owns product, product_option and
 * stock: every statement on them is written in this module, here or in catalog.repository.ts.
 *
 * Why a file of its own: catalog.repository.ts is the module's private persistence (no other module
 * imports it) and CatalogService's methods are use cases that run statements, not builders of them.
 * This file is the public part of the module's persistence: pure builders and readers of results,
 * no I/O. Hand-written SQL with every value a `?` parameter, for the reason point.statements.ts gives.
 */

const READ_OPTIONS = `SELECT o.id, o.product_id AS productId, p.name AS productName, o.name, o.additional_price AS additionalPrice,
       p.price AS productPrice, s.quantity AS stock
  FROM product_option o JOIN product p ON p.id = o.product_id JOIN stock s ON s.option_id = o.id
 WHERE o.product_id IN (?) ORDER BY o.product_id, o.id`;

/**
 * The options of these products with their price and their stock as committed: a plain read (no
 * lock, it never waits). Read the answer with optionViewsOf.
 */
export function selectOptionsOfProducts(productIds: readonly number[]): Statement {
  return { sql: READ_OPTIONS, params: [productIds] };
}

export function optionViewsOf(result: StatementResult): OptionView[] {
  return rowsOf(result).map((row) => ({
    id: Number(row.id),
    productId: Number(row.productId),
    productName: String(row.productName),
    name: String(row.name),
    additionalPrice: Number(row.additionalPrice),
    price: optionPrice(Number(row.productPrice), Number(row.additionalPrice)),
    stock: Number(row.stock),
  }));
}

/**
 * Takes units off the options' stock rows, one statement for all of them (one entry per option, in
 * option id order). InnoDB walks the IN list in primary key order, so rows are locked in option id
 * order (one global order, no deadlock between two orders). A line the stock no longer covers would
 * take its row below zero: the CHECK constraint refuses the statement (see isStockShortage).
 */
export function takeStock(units: ReadonlyArray<{ optionId: number; quantity: number }>): Statement {
  const cases = units.map(() => "WHEN ? THEN ?").join(" ");
  return {
    sql: `UPDATE stock SET quantity = quantity - CASE option_id ${cases} END WHERE option_id IN (?)`,
    params: [...units.flatMap((unit) => [unit.optionId, unit.quantity]), units.map((unit) => unit.optionId)],
  };
}

/** True when takeStock was refused because a row would go below zero (CHECK stock_quantity_non_negative). */
export const isStockShortage = (error: unknown): boolean => isCheckViolation(error, "stock_quantity_non_negative");
