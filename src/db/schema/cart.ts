import { check, index, int, mysqlTable, uniqueIndex } from "drizzle-orm/mysql-core";
import { sql } from "drizzle-orm";
import { createdAt, idPk, idRef, updatedAt } from "./columns.js";
import { member } from "./member.js";
import { product, productOption } from "./catalog.js";

/** One cart per member, created with the member so concurrent first adds never race to create it. */
export const cart = mysqlTable(
  "cart",
  {
    id: idPk(),
    memberId: idRef("member_id")
      .notNull()
      .references(() => member.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("cart_member_id_uq").on(t.memberId)],
);

export const cartItem = mysqlTable(
  "cart_item",
  {
    id: idPk(),
    cartId: idRef("cart_id")
      .notNull()
      .references(() => cart.id, { onDelete: "cascade" }),
    productId: idRef("product_id")
      .notNull()
      .references(() => product.id),
    optionId: idRef("option_id")
      .notNull()
      .references(() => productOption.id),
    quantity: int("quantity").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One line per option: adding the same option again adds to that line.
    uniqueIndex("cart_item_cart_option_uq").on(t.cartId, t.optionId),
    index("cart_item_option_id_idx").on(t.optionId),
    check("cart_item_quantity_positive", sql`${t.quantity} > 0`),
  ],
);
