import { check, datetime, index, int, mysqlEnum, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { sql } from "drizzle-orm";
import { createdAt, idPk, idRef, money, updatedAt } from "./columns.js";
import { member } from "./member.js";
import { product, productOption } from "./catalog.js";

export const ORDER_STATUSES = ["PAID", "PARTIALLY_CANCELLED", "CANCELLED"] as const;
export const ORDER_ITEM_STATUSES = ["PAID", "CANCELLED"] as const;
export const PAYMENT_METHODS = ["POINT", "CARD"] as const;

// `order` is a reserved word in SQL; the plural avoids quoting it in every hand-written statement.
export const orders = mysqlTable(
  "orders",
  {
    id: idPk(),
    memberId: idRef("member_id")
      .notNull()
      .references(() => member.id),
    status: mysqlEnum("status", ORDER_STATUSES).notNull(),
    totalAmount: money("total_amount").notNull(),
    refundedAmount: money("refunded_amount").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // A member's orders newest first: (member_id, id) serves the filter, the order and the cursor.
    index("orders_member_id_idx").on(t.memberId, t.id),
    check("orders_refund_within_total", sql`${t.refundedAmount} >= 0 AND ${t.refundedAmount} <= ${t.totalAmount}`),
  ],
);

/** An order line: a snapshot of what was bought at what price, with its own status (lines cancel alone). */
export const orderItem = mysqlTable(
  "order_item",
  {
    id: idPk(),
    orderId: idRef("order_id")
      .notNull()
      .references(() => orders.id),
    productId: idRef("product_id")
      .notNull()
      .references(() => product.id),
    optionId: idRef("option_id")
      .notNull()
      .references(() => productOption.id),
    productName: varchar("product_name", { length: 200 }).notNull(),
    optionName: varchar("option_name", { length: 200 }).notNull(),
    unitPrice: money("unit_price").notNull(),
    quantity: int("quantity").notNull(),
    amount: money("amount").notNull(),
    status: mysqlEnum("status", ORDER_ITEM_STATUSES).notNull(),
    // Copied from the order so the ranking rebuild scans one covering index, not a join.
    createdAt: createdAt(),
    cancelledAt: datetime("cancelled_at", { mode: "date", fsp: 3 }),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("order_item_order_id_idx").on(t.orderId, t.id),
    // Ranking rebuilds and the SQL fallback: SUM(quantity) per product over a created_at window,
    // cancelled lines excluded, answered from this index alone.
    index("order_item_ranking_idx").on(t.createdAt, t.status, t.productId, t.quantity),
    index("order_item_option_id_idx").on(t.optionId),
    check("order_item_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

export const payment = mysqlTable(
  "payment",
  {
    id: idPk(),
    orderId: idRef("order_id")
      .notNull()
      .references(() => orders.id),
    memberId: idRef("member_id")
      .notNull()
      .references(() => member.id),
    method: mysqlEnum("method", PAYMENT_METHODS).notNull(),
    amount: money("amount").notNull(),
    // CARD: the PG's key of the payment (its refunds are cancels of that payment at the PG).
    paymentKey: varchar("payment_key", { length: 200 }),
    refundedAmount: money("refunded_amount").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // An order has a payment per method: points, card, or both (a mixed payment).
    uniqueIndex("payment_order_method_uq").on(t.orderId, t.method),
    index("payment_member_id_idx").on(t.memberId),
    check("payment_refund_within_amount", sql`${t.refundedAmount} >= 0 AND ${t.refundedAmount} <= ${t.amount}`),
  ],
);
