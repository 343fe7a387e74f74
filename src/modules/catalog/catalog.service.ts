import { runInTransaction, type Db, type Executor, type Tx } from "../../db/transaction.js";
import { notFound } from "../../shared/errors.js";
import { toPage, type Page, type PageRequest } from "../../shared/pagination.js";
import {
  countProducts,
  findOptionViewsByIds,
  findOptionViewsByProductIds,
  insertOptionsWithStock,
  insertProduct,
  listProducts,
  adjustStocks,
  lockStock,
  lockStocks,
  setStock,
  type OptionView,
  type ProductRow,
} from "./catalog.repository.js";
import { restockedQuantity, validateCreateProduct, type CreateProductInput } from "./catalog.rules.js";
import { present } from "../../shared/present.js";

// The shapes other modules receive from this service (order lines show their product and option).
export type { OptionView, ProductRow };

/** A product as a page lists it: its options are there when the page was asked for them. */
export interface ListedProduct extends ProductRow {
  options?: OptionView[];
}

/** The catalog: products, their options, and stock as it is in the database right now. */
export class CatalogService {
  constructor(private readonly db: Db) {}

  /**
   * A page of listed products, newest first; `withOptions` brings each product's options along (one
   * statement more, whatever the page size), for a caller that will show them.
   */
  async listProducts(request: PageRequest, { withOptions = false } = {}): Promise<Page<ListedProduct>> {
    const page = toPage(await listProducts(this.db, request), request);
    if (!withOptions || page.items.length === 0) return page;
    const byProduct = new Map<number, OptionView[]>(page.items.map((item) => [item.id, []]));
    for (const option of await findOptionViewsByProductIds(
      this.db,
      page.items.map((item) => item.id),
    )) {
      byProduct.get(option.productId)?.push(option);
    }
    // Spelled out: spreading the rows drizzle builds showed in the products-page profile.
    const items = page.items.map(({ id, name, price, deletedAt }) => ({
      id,
      name,
      price,
      deletedAt,
      options: byProduct.get(id) ?? [],
    }));
    return { items, hasNextPage: page.hasNextPage, endCursor: page.endCursor };
  }

  /** The product's options with stock and price as committed now (on `executor`, e.g. a transaction). */
  optionsOfProduct(executor: Executor, productId: number): Promise<OptionView[]> {
    return findOptionViewsByProductIds(executor, [productId]);
  }

  /** The options of the products with stock and price as committed now (on `executor`, e.g. a transaction). */
  optionsOfProducts(executor: Executor, productIds: readonly number[]): Promise<OptionView[]> {
    return findOptionViewsByProductIds(executor, productIds);
  }

  /** The options with stock and price as committed now (on `executor`, e.g. a transaction). */
  optionsByIds(executor: Executor, optionIds: readonly number[]): Promise<OptionView[]> {
    return findOptionViewsByIds(executor, optionIds);
  }

  /** Inside a cancellation's transaction: puts cancelled units back (the UPDATE locks in id order). */
  returnStock(tx: Tx, lines: ReadonlyArray<{ optionId: number; quantity: number }>): Promise<void> {
    return adjustStocks(
      tx,
      lines.map((line) => ({ optionId: line.optionId, delta: line.quantity })),
    );
  }

  /**
   * Inside a checkout's transaction: locks the options' stock rows (option id order) and returns the
   * units each holds, for the caller to decide whether its lines fit before takeStock.
   */
  lockStocks(tx: Tx, optionIds: readonly number[]): Promise<Map<number, number>> {
    return lockStocks(tx, optionIds);
  }

  /** Inside a checkout's transaction, after lockStocks: takes the units off (a reservation). */
  takeStock(tx: Tx, lines: ReadonlyArray<{ optionId: number; quantity: number }>): Promise<void> {
    return adjustStocks(
      tx,
      lines.map((line) => ({ optionId: line.optionId, delta: -line.quantity })),
    );
  }

  countProducts(): Promise<number> {
    return countProducts(this.db);
  }

  /** Creates a product with its options and their stock in one transaction. */
  async createProduct(input: CreateProductInput): Promise<ProductRow> {
    const valid = validateCreateProduct(input);
    return runInTransaction(
      this.db,
      async (tx) => {
        const id = await insertProduct(tx, { name: valid.name, price: valid.price });
        await insertOptionsWithStock(tx, id, valid.options);
        return { id, name: valid.name, price: valid.price, deletedAt: null };
      },
      // Inserts only: nothing is read, so the weakest level the API uses anywhere is enough.
      { isolationLevel: "read committed" },
    );
  }

  /** Adds `quantity` units to an option's stock; the stock row is locked so concurrent orders see it whole. */
  async restock(optionId: number, quantity: number): Promise<OptionView> {
    restockedQuantity(0, quantity);
    await runInTransaction(
      this.db,
      async (tx) => {
        const current = await lockStock(tx, optionId);
        if (current === undefined) throw notFound("option", optionId);
        await setStock(tx, optionId, restockedQuantity(current, quantity));
      },
      // The stock row is read under FOR UPDATE, which always sees the latest committed value, so
      // READ COMMITTED is enough and takes no gap locks.
      { isolationLevel: "read committed" },
    );
    const [view] = await findOptionViewsByIds(this.db, [optionId]);
    return present(view, `option ${optionId}`);
  }
}
