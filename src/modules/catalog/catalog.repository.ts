import { and, asc, count, desc, eq, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { preparedPer, withoutTypeCast } from "../../db/prepared-reads.js";
import { product, productOption, stock } from "../../db/schema/index.js";
import type { PageRequest } from "../../shared/pagination.js";
import { optionPrice } from "./catalog.rules.js";
import { present } from "../../shared/present.js";

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

const productPage = (executor: Executor, where: SQL | undefined) =>
  executor
    .select(productColumns)
    .from(product)
    .where(where)
    .orderBy(desc(product.id))
    .limit(sql.placeholder("limit"))
    .prepare();

const firstPage = preparedPer((executor) => productPage(executor, isNull(product.deletedAt)));
const pageBefore = preparedPer((executor) =>
  productPage(executor, and(isNull(product.deletedAt), lt(product.id, sql.placeholder("beforeId")))),
);

/** Newest first, one row more than asked so the caller knows whether another page follows. */
export function listProducts(executor: Executor, page: PageRequest): Promise<ProductRow[]> {
  return page.beforeId === null
    ? firstPage(executor).execute({ limit: page.first + 1 })
    : pageBefore(executor).execute({ limit: page.first + 1, beforeId: page.beforeId });
}

export async function countProducts(executor: Executor): Promise<number> {
  const [row] = await executor.select({ total: count() }).from(product).where(isNull(product.deletedAt));
  return row?.total ?? 0;
}

/** Includes products taken off the catalog: order lines still show what was bought. */
export function findProductsByIds(executor: Executor, ids: readonly number[]): Promise<ProductRow[]> {
  return executor
    .select(productColumns)
    .from(product)
    .where(inArray(product.id, [...ids]));
}

/**
 * Options with their current stock and price in one statement. A plain SELECT is a consistent
 * non-locking read under InnoDB MVCC, so it never waits for orders holding stock row locks.
 *
 * `in (?)` takes the whole list: mysql2 expands an array value to `1, 2, 3`, so one prepared text
 * serves lists of any length (drizzle's inArray would bake the length into the text).
 */
const optionViewColumns = {
  id: productOption.id,
  productId: productOption.productId,
  productName: product.name,
  name: productOption.name,
  additionalPrice: productOption.additionalPrice,
  productPrice: product.price,
  stock: stock.quantity,
};

const optionViews = (executor: Executor, where: SQL) =>
  withoutTypeCast(
    optionViewColumns,
    executor
      .select(optionViewColumns)
      .from(productOption)
      .innerJoin(product, eq(product.id, productOption.productId))
      .innerJoin(stock, eq(stock.optionId, productOption.id))
      .where(where)
      .orderBy(asc(productOption.productId), asc(productOption.id))
      .prepare(),
  );

const optionViewsByProductIds = preparedPer((executor) =>
  optionViews(executor, sql`${productOption.productId} in (${sql.placeholder("ids")})`),
);
const optionViewsByIds = preparedPer((executor) =>
  optionViews(executor, sql`${productOption.id} in (${sql.placeholder("ids")})`),
);

type OptionViewRow = Omit<OptionView, "price"> & { productPrice: number };

function toOptionViews(rows: OptionViewRow[]): OptionView[] {
  // Spelled out rather than `{ productPrice, ...row }`: rest and spread per row showed in the products-page profile.
  return rows.map((row) => ({
    id: row.id,
    productId: row.productId,
    productName: row.productName,
    name: row.name,
    additionalPrice: row.additionalPrice,
    price: optionPrice(row.productPrice, row.additionalPrice),
    stock: row.stock,
  }));
}

export async function findOptionViewsByProductIds(
  executor: Executor,
  productIds: readonly number[],
): Promise<OptionView[]> {
  if (productIds.length === 0) return []; // `in ()` is not SQL, and there is nothing to find
  return toOptionViews(await optionViewsByProductIds(executor).execute({ ids: [...productIds] }));
}

export async function findOptionViewsByIds(executor: Executor, optionIds: readonly number[]): Promise<OptionView[]> {
  if (optionIds.length === 0) return [];
  return toOptionViews(await optionViewsByIds(executor).execute({ ids: [...optionIds] }));
}

export async function insertProduct(tx: Tx, values: { name: string; price: number }): Promise<number> {
  const [row] = await tx.insert(product).values(values).$returningId();
  return present(row, "the inserted product").id;
}

/**
 * Inserts the options of a product created in this transaction, and their stock rows. The options'
 * ids are read back rather than taken from `$returningId()`, which counts up by one from the first id:
 * on Galera (and wherever auto_increment_increment is above 1) a multi-row insert's ids are not dense.
 * A multi-row insert hands out ascending ids in row order, so ORDER BY id gives them in input order.
 */
export async function insertOptionsWithStock(
  tx: Tx,
  productId: number,
  options: ReadonlyArray<{ name: string; additionalPrice: number; stock: number }>,
): Promise<number[]> {
  await tx
    .insert(productOption)
    .values(options.map(({ name, additionalPrice }) => ({ productId, name, additionalPrice })));
  const inserted = await tx
    .select({ id: productOption.id })
    .from(productOption)
    .where(eq(productOption.productId, productId))
    .orderBy(asc(productOption.id));
  const ids = inserted.map((row) => row.id);
  await tx
    .insert(stock)
    .values(ids.map((optionId, index) => ({ optionId, quantity: present(options[index], `option ${index}`).stock })));
  return ids;
}

/** Locks the option's stock row for the rest of the transaction; undefined when the option is unknown. */
export async function lockStock(tx: Tx, optionId: number): Promise<number | undefined> {
  const rows = await tx
    .select({ quantity: stock.quantity })
    .from(stock)
    .where(eq(stock.optionId, optionId))
    .for("update");
  return rows[0]?.quantity;
}

/** Locks the options' stock rows in option id order (one global order: no deadlock) and returns what each holds. */
export async function lockStocks(tx: Tx, optionIds: readonly number[]): Promise<Map<number, number>> {
  if (optionIds.length === 0) return new Map();
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
    .where(
      inArray(
        stock.optionId,
        deltas.map((entry) => entry.optionId),
      ),
    );
}

export async function setStock(tx: Tx, optionId: number, quantity: number): Promise<void> {
  await tx.update(stock).set({ quantity }).where(eq(stock.optionId, optionId));
}
