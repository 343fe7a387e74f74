import { sql } from "drizzle-orm";
import {
  check,
  datetime,
  index,
  int,
  mysqlEnum,
  mysqlTable,
  uniqueIndex,
  varchar,
  boolean,
} from "drizzle-orm/mysql-core";
import { createdAt, idPk, idRef, money, updatedAt } from "./columns.js";
import { member } from "./member.js";
import { product, productOption } from "./catalog.js";
import { orderItem, orders } from "./order.js";

export const CHECKOUT_STATUSES = ["PENDING", "CONFIRMING", "PAID", "FAILED", "EXPIRED", "REFUNDED"] as const;

/**
 * A purchase paid (at least in part) by card through the external PG: it reserves its stock and
 * points from startCheckout until `expires_at`, and becomes an order once the PG approved the payment.
 * Whether the reservation is held follows from `status` alone (PENDING and CONFIRMING hold it), so no
 * second column can disagree with it. Every change of status is a conditional UPDATE on the row
 * locked FOR UPDATE (checkout.rules.ts lists the transitions).
 */
export const checkout = mysqlTable(
  "checkout",
  {
    id: idPk(),
    memberId: idRef("member_id")
      .notNull()
      .references(() => member.id),
    // Handed to the PG as its orderId: unguessable, so knowing one never lets anyone act on another.
    pgOrderId: varchar("pg_order_id", { length: 64 }).notNull(),
    orderName: varchar("order_name", { length: 100 }).notNull(),
    // Paid through the PG (CARD).
    amount: money("amount").notNull(),
    // Paid from points, held from the wallet (a USE ledger entry) while the reservation is.
    pointAmount: money("point_amount").notNull(),
    status: mysqlEnum("status", CHECKOUT_STATUSES).notNull(),
    // The cart lines ordered leave the cart once the checkout is paid, not before: an abandoned
    // checkout leaves the cart as it was.
    fromCart: boolean("from_cart").notNull().default(false),
    expiresAt: datetime("expires_at", { mode: "date", fsp: 3 }).notNull(),
    // The PG's key of the payment being (or that was) confirmed; one checkout per payment.
    paymentKey: varchar("payment_key", { length: 200 }),
    confirmStartedAt: datetime("confirm_started_at", { mode: "date", fsp: 3 }),
    // While CONFIRMING: when the PG is next asked how the confirm ended (the sweep's index).
    reconcileAt: datetime("reconcile_at", { mode: "date", fsp: 3 }),
    reconcileAttempts: int("reconcile_attempts").notNull().default(0),
    failureCode: varchar("failure_code", { length: 64 }),
    failureMessage: varchar("failure_message", { length: 255 }),
    orderId: idRef("order_id").references(() => orders.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("checkout_pg_order_id_uq").on(t.pgOrderId),
    uniqueIndex("checkout_payment_key_uq").on(t.paymentKey),
    uniqueIndex("checkout_order_id_uq").on(t.orderId),
    index("checkout_member_id_idx").on(t.memberId, t.id),
    // The sweep: reservations past their end, and confirms whose outcome is to be asked for.
    index("checkout_status_expires_at_idx").on(t.status, t.expiresAt),
    index("checkout_reconcile_at_idx").on(t.reconcileAt),
    check("checkout_amounts", sql`${t.amount} >= 1 AND ${t.pointAmount} >= 0`),
  ],
);

/** A checkout's lines, priced when it started: what its reservation holds and what its order will be. */
export const checkoutItem = mysqlTable(
  "checkout_item",
  {
    id: idPk(),
    checkoutId: idRef("checkout_id")
      .notNull()
      .references(() => checkout.id),
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
  },
  (t) => [
    index("checkout_item_checkout_id_idx").on(t.checkoutId, t.id),
    check("checkout_item_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

export const PG_REFUND_CAUSES = [
  // A line of a card-paid order was cancelled.
  "ORDER_ITEM_CANCELLED",
  // The PG approved another amount than the checkout's.
  "AMOUNT_MISMATCH",
  // The PG holds a captured payment for the checkout other than the one the shop confirmed.
  "PAYMENT_MISMATCH",
  // The PG reports captured money for a checkout that had ended FAILED or EXPIRED.
  "PAID_AFTER_FAILURE",
  // The sale could not be recorded for good after the PG approved it.
  "SALE_NOT_RECORDED",
] as const;

/**
 * Money to give back at the PG (a cancel, whole or partial): an outbox of its own, written in the
 * transaction that decides the refund and delivered after commit by the worker, retried until the PG
 * confirms it, never twice (see src/modules/payment-gateway). Cancels of one payment are sent one at
 * a time, oldest first, which is what lets a retry tell from the PG's `cancels[]` whether its cancel
 * was already applied.
 */
export const pgRefund = mysqlTable(
  "pg_refund",
  {
    id: idPk(),
    paymentKey: varchar("payment_key", { length: 200 }).notNull(),
    // The checkout whose payment it gives back, when no order stands behind it.
    checkoutId: idRef("checkout_id").references(() => checkout.id),
    amount: money("amount").notNull(),
    cause: mysqlEnum("cause", PG_REFUND_CAUSES).notNull(),
    reason: varchar("reason", { length: 200 }).notNull(),
    orderItemId: idRef("order_item_id").references(() => orderItem.id),
    status: mysqlEnum("status", ["PENDING", "DONE"]).notNull().default("PENDING"),
    attempts: int("attempts").notNull().default(0),
    // When a pending refund is tried next (the sweep's index); null once DONE.
    nextAttemptAt: datetime("next_attempt_at", { mode: "date", fsp: 3 }),
    lastError: varchar("last_error", { length: 255 }),
    createdAt: createdAt(),
    doneAt: datetime("done_at", { mode: "date", fsp: 3 }),
  },
  (t) => [
    index("pg_refund_payment_key_idx").on(t.paymentKey, t.id),
    index("pg_refund_next_attempt_at_idx").on(t.nextAttemptAt),
    index("pg_refund_checkout_id_idx").on(t.checkoutId),
    check("pg_refund_amount_positive", sql`${t.amount} > 0`),
  ],
);
