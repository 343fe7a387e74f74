import { check, index, mysqlEnum, mysqlTable } from "drizzle-orm/mysql-core";
import { sql } from "drizzle-orm";
import { createdAt, idPk, idRef, money, updatedAt } from "./columns.js";
import { member } from "./member.js";
import { orders, orderItem } from "./order.js";
import { checkout } from "./checkout.js";

/**
 * One row per member: the row every balance change locks (SELECT ... FOR UPDATE), so charges, payments
 * and refunds of one member serialize on it while other members never wait. The CHECK is the last line
 * of defence behind the service's own balance rule.
 */
export const pointWallet = mysqlTable(
  "point_wallet",
  {
    memberId: idRef("member_id")
      .primaryKey()
      .references(() => member.id),
    balance: money("balance").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check("point_wallet_balance_non_negative", sql`${t.balance} >= 0`)],
);

/** Append-only history; `balanceAfter` is the running balance, so the ledger can be audited row by row. */
export const pointLedger = mysqlTable(
  "point_ledger",
  {
    id: idPk(),
    memberId: idRef("member_id")
      .notNull()
      .references(() => member.id),
    type: mysqlEnum("type", ["CHARGE", "USE", "REFUND"]).notNull(),
    // Always positive; `type` gives the direction.
    amount: money("amount").notNull(),
    balanceAfter: money("balance_after").notNull(),
    orderId: idRef("order_id").references(() => orders.id),
    orderItemId: idRef("order_item_id").references(() => orderItem.id),
    // A checkout's points, held (USE) when it starts and given back (REFUND) if it never becomes an
    // order; the USE entry learns its order_id when it does.
    checkoutId: idRef("checkout_id").references(() => checkout.id),
    createdAt: createdAt(),
  },
  (t) => [
    // History is read newest first per member: (member_id, id) serves both the filter and the order.
    index("point_ledger_member_id_idx").on(t.memberId, t.id),
    check("point_ledger_amount_positive", sql`${t.amount} > 0`),
    check("point_ledger_balance_after_non_negative", sql`${t.balanceAfter} >= 0`),
  ],
);
