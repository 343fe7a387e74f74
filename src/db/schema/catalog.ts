import { check, datetime, index, int, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import { sql } from "drizzle-orm";
import { createdAt, idPk, idRef, money, updatedAt } from "./columns.js";

export const product = mysqlTable(
  "product",
  {
    id: idPk(),
    name: varchar("name", { length: 200 }).notNull(),
    price: money("price").notNull(),
    // Soft delete: order lines keep pointing at products that leave the catalog.
    deletedAt: datetime("deleted_at", { mode: "date", fsp: 3 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check("product_price_non_negative", sql`${t.price} >= 0`)],
);

export const productOption = mysqlTable(
  "product_option",
  {
    id: idPk(),
    productId: idRef("product_id")
      .notNull()
      .references(() => product.id),
    name: varchar("name", { length: 200 }).notNull(),
    // May be negative (a cheaper variant) as long as the option's price stays >= 0 (catalog rules).
    additionalPrice: money("additional_price").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("product_option_product_id_idx").on(t.productId, t.id)],
);

/**
 * Stock lives apart from the option it counts: placing an order locks these rows (FOR UPDATE), and
 * keeping them out of `product`/`product_option` means catalog reads and edits never queue behind a
 * flash sale's locks.
 */
export const stock = mysqlTable(
  "stock",
  {
    optionId: idRef("option_id")
      .primaryKey()
      .references(() => productOption.id),
    quantity: int("quantity").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [check("stock_quantity_non_negative", sql`${t.quantity} >= 0`)],
);
