import { rowsOf, type Statement, type StatementResult } from "../../db/batched-transaction.js";
import { movesPoints } from "./point.rules.js";

/**
 * The point tables' statements for a batched transaction (src/db/batched-transaction.ts), which order
 * placement composes into its batches. The point module owns point_wallet and point_ledger: every
 * statement on them is written in this module, here or in point.repository.ts, so a change to how a
 * balance or a ledger entry is stored is made once, where the point rules are.
 *
 * Why a file of its own: point.repository.ts is the module's private persistence (no other module
 * imports it) and PointService's methods are use cases that run statements, not builders of them.
 * This file is the public part of the module's persistence: pure builders and readers of results,
 * no I/O. The texts are hand-written SQL, not drizzle's builder: building a statement costs ~0.1 ms
 * of CPU per call, about what the server takes to run it, and these run on every order. Every value
 * is a `?` parameter; the order tests run them against the migrated schema, so a renamed column
 * fails there.
 */

/** How a batch of orders locks its buyers' wallets: wait for each, or skip the ones held by others. */
export type WalletLocking = "wait" | "skip-locked";

// Ascending member id: two groups of orders lock their wallets in the same order.
const LOCK_WALLETS = "SELECT member_id, balance FROM point_wallet WHERE member_id IN (?) ORDER BY member_id FOR UPDATE";
// A group of orders never waits for a wallet: one held by another transaction (that member's own
// order or charge, or a stuck session) is skipped, and that member's order is placed on its own.
const LOCK_FREE_WALLETS = `${LOCK_WALLETS} SKIP LOCKED`;

/** Locks the members' wallet rows, in member id order; read the answer with balancesOf. */
export function lockWallets(memberIds: readonly number[], locking: WalletLocking): Statement {
  return {
    sql: locking === "wait" ? LOCK_WALLETS : LOCK_FREE_WALLETS,
    params: [[...memberIds].sort((a, b) => a - b)],
  };
}

/** Balance by member id from lockWallets' answer; with "skip-locked", a wallet held elsewhere is missing. */
export function balancesOf(result: StatementResult): Map<number, number> {
  return new Map(rowsOf(result).map((row) => [Number(row.member_id), Number(row.balance)]));
}

/** Sets each member's wallet to its balance, one statement for all of them. */
export function setBalances(balances: ReadonlyMap<number, number>): Statement {
  return {
    sql: `UPDATE point_wallet SET balance = CASE member_id ${[...balances].map(() => "WHEN ? THEN ?").join(" ")} END WHERE member_id IN (?)`,
    params: [...[...balances].flat(), [...balances.keys()]],
  };
}

export interface UseEntry {
  memberId: number;
  amount: number;
  balanceAfter: number;
  /**
   * A session variable set earlier in the same batch to the order's id (`@order_0`): the order row
   * is inserted in that batch, so only the server knows its id yet. Written into the text, so only
   * this form is taken.
   */
  orderIdVariable: `@${string}`;
  createdAt: Date;
}

const SESSION_VARIABLE = /^@[A-Za-z0-9_]+$/;

/**
 * The USE ledger entries of orders paid in one batch, one statement for all of them; none for an
 * order that pays nothing (see movesPoints), and no statement when no order pays.
 */
export function insertUseEntries(entries: readonly UseEntry[]): Statement[] {
  const paying = entries.filter((entry) => movesPoints(entry.amount));
  if (paying.length === 0) return [];
  for (const { orderIdVariable } of paying) {
    if (!SESSION_VARIABLE.test(orderIdVariable)) throw new Error(`not a session variable: ${orderIdVariable}`);
  }
  return [
    {
      sql: `INSERT INTO point_ledger (member_id, type, amount, balance_after, order_id, created_at) VALUES ${paying.map((entry) => `(?, 'USE', ?, ?, ${entry.orderIdVariable}, ?)`).join(", ")}`,
      params: paying.flatMap(({ memberId, amount, balanceAfter, createdAt }) => [
        memberId,
        amount,
        balanceAfter,
        createdAt,
      ]),
    },
  ];
}

export interface ChargeEntry {
  memberId: number;
  amount: number;
  balanceAfter: number;
  createdAt: Date;
}

/** The CHARGE ledger entries of a group of charges, one statement for all of them (none for none). */
export function insertChargeEntries(entries: readonly ChargeEntry[]): Statement[] {
  if (entries.length === 0) return [];
  return [
    {
      sql: `INSERT INTO point_ledger (member_id, type, amount, balance_after, created_at) VALUES ${entries.map(() => "(?, 'CHARGE', ?, ?, ?)").join(", ")}`,
      params: entries.flatMap(({ memberId, amount, balanceAfter, createdAt }) => [
        memberId,
        amount,
        balanceAfter,
        createdAt,
      ]),
    },
  ];
}
