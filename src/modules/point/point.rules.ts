import { DomainError, ErrorCode, badUserInput } from "../../shared/errors.js";

export const CHARGE_MIN = 1;
export const CHARGE_MAX = 100_000_000;
export const BALANCE_CAP = 10_000_000_000;

export type PointTransactionType = "CHARGE" | "USE" | "REFUND";

/** The balance after a charge: 1..100,000,000 points per call, never past the 10,000,000,000 cap. */
export function balanceAfterCharge(balance: number, amount: number): number {
  if (!Number.isSafeInteger(amount) || amount < CHARGE_MIN || amount > CHARGE_MAX) {
    throw badUserInput("amount", `amount must be a whole number from ${CHARGE_MIN} to ${CHARGE_MAX}`);
  }
  if (balance + amount > BALANCE_CAP) {
    throw badUserInput(
      "amount",
      `the balance may not exceed ${BALANCE_CAP}; at most ${BALANCE_CAP - balance} more can be charged`,
    );
  }
  return balance + amount;
}

/** The balance after paying `amount`; a balance never goes below zero. */
export function balanceAfterUse(balance: number, amount: number): number {
  if (amount > balance) {
    throw new DomainError(ErrorCode.INSUFFICIENT_BALANCE, `the balance is ${amount - balance} points short`, {
      balance,
      required: amount,
      shortfall: amount - balance,
    });
  }
  return balance - amount;
}

/**
 * Whether a payment or refund of `amount` moves points, and so gets a ledger entry. A free order (or
 * the refund of a free line) moves none: it gets no entry, and every entry's amount stays positive,
 * as the ledger's CHECK requires.
 */
export const movesPoints = (amount: number): boolean => amount > 0;

/**
 * The balance after a refund. Not capped: a refund returns points the member already had, and
 * refusing it would leave a cancelled line unrefunded.
 */
export const balanceAfterRefund = (balance: number, amount: number): number => balance + amount;
