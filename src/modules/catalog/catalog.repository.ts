import { and, asc, count, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { product, productOption, stock } from "../../db/schema/index.js";
import type { PageRequest } from "../../shared/pagination.js";
import { optionPrice } from "./catalog.rules.js";

export interface ProductRow {
  id: number;
  name: string;
  price: number;
  /** Set when the product was taken off the catalog; such products are kept for order history. */
  deletedAt: Date | null;
}

/** An option as the API shows it: its stock and its price already resolved. */
export interface OptionView {
  id: number;
  productId: number;
  productName: string;
  name: string;
  additionalPrice: number;
  price: number;
  stock: number;
}

const productColumns = { id: product.id, name: product.name, price: product.price, deletedAt: product.deletedAt };

/** Newest first, one row more than asked so the caller knows whether another page follows. */
export function listProducts(executor: Executor, page: PageRequest): Promise<ProductRow[]> {
  return executor
    .select(productColumns)
    .from(product)
    .where(and(isNull(product.deletedAt), page.beforeId === null ? undefined : lt(product.id, page.beforeId)))
    .orderBy(desc(product.id))
    .limit(page.first + 1);
}

export async function countProducts(executor: Executor): Promise<number> {
  const [row] = await executor.select({ total: count() }).from(product).where(isNull(product.deletedAt));
  return row?.total ?? 0;
}

/** Includes products taken off the catalog: order lines still show what was bought. */
export function findProductsByIds(executor: Executor, ids: readonly number[]): Promise<ProductRow[]> {
  return executor.select(productColumns).from(product).where(inArray(product.id, [...ids]));
}

/**
 * Options with their current stock and price in one statement. A plain SELECT is a consistent
 * non-locking read under InnoDB MVCC, so it never waits for orders holding stock row locks.
 */
async function selectOptionViews(executor: Executor, where: ReturnType<typeof inArray>): Promise<OptionView[]> {
  const rows = await executor
    .select({
      id: productOption.id,
      productId: productOption.productId,
      productName: product.name,
      name: productOption.name,
      additionalPrice: productOption.additionalPrice,
      productPrice: product.price,
      stock: stock.quantity,
    })
    .from(productOption)
    .innerJoin(product, eq(product.id, productOption.productId))
    .innerJoin(stock, eq(stock.optionId, productOption.id))
    .where(where)
    .orderBy(asc(productOption.productId), asc(productOption.id));
  return rows.map(({ productPrice, ...row }) => ({ ...row, price: optionPrice(productPrice, row.additionalPrice) }));
}

export const findOptionViewsByProductIds = (executor: Executor, productIds: readonly number[]) =>
  selectOptionViews(executor, inArray(productOption.productId, [...productIds]));

export const findOptionViewsByIds = (executor: Executor, optionIds: readonly number[]) =>
  selectOptionViews(executor, inArray(productOption.id, [...optionIds]));

export async function insertProduct(tx: Tx, values: { name: string; price: number }): Promise<number> {
  const [row] = await tx.insert(product).values(values).$returningId();
  return row!.id;
}

/** Inserts the options and their stock rows: two statements whatever the number of options. */
export async function insertOptionsWithStock(
  tx: Tx,
  productId: number,
  options: ReadonlyArray<{ name: string; additionalPrice: number; stock: number }>,
): Promise<number[]> {
  const inserted = await tx
    .insert(productOption)
    .values(options.map(({ name, additionalPrice }) => ({ productId, name, additionalPrice })))
    .$returningId();
  const ids = inserted.map((row) => row.id);
  await tx.insert(stock).values(ids.map((optionId, index) => ({ optionId, quantity: options[index]!.stock })));
  return ids;
}

/** Locks the option's stock row for the rest of the transaction; undefined when the option is unknown. */
export async function lockStock(tx: Tx, optionId: number): Promise<number | undefined> {
  const rows = await tx.select({ quantity: stock.quantity }).from(stock).where(eq(stock.optionId, optionId)).for("update");
  return rows[0]?.quantity;
}

/**
 * Locks the stock rows of these options, one statement, in ascending option id order (the primary
 * key's order, which InnoDB follows), so concurrent orders over the same options queue instead of
 * deadlocking. Returns the quantities the rows hold.
 */
export async function lockStocks(tx: Tx, optionIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await tx
    .select({ optionId: stock.optionId, quantity: stock.quantity })
    .from(stock)
    .where(inArray(stock.optionId, [...optionIds]))
    .orderBy(asc(stock.optionId))
    .for("update");
  return new Map(rows.map((row) => [row.optionId, row.quantity]));
}

/** Adds `delta` (negative to take) to each option's stock, in one statement. */
export async function adjustStocks(tx: Tx, deltas: ReadonlyArray<{ optionId: number; delta: number }>): Promise<void> {
  if (deltas.length === 0) return;
  const cases = sql.join(
    deltas.map(({ optionId, delta }) => sql`WHEN ${optionId} THEN ${delta}`),
    sql` `,
  );
  await tx
    .update(stock)
    .set({ quantity: sql`${stock.quantity} + CASE ${stock.optionId} ${cases} END` })
    .where(inArray(stock.optionId, deltas.map((entry) => entry.optionId)));
}

export async function setStock(tx: Tx, optionId: number, quantity: number): Promise<void> {
  await tx.update(stock).set({ quantity }).where(eq(stock.optionId, optionId));
}
