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

/** One charge of a group committed together (ChargeGroups). */
export interface ChargeRequest {
  memberId: number;
  amount: number;
}

/** A charge of a group: the balance it leaves, or why it was refused (the others go on without it). */
export type ChargeVerdict = { ok: true; balanceAfter: number } | { ok: false; error: unknown };

export interface ChargesApplied {
  /** One per request, in the order given. */
  verdicts: ChargeVerdict[];
  /** Each member's balance after its accepted charges; a member none of whose charges was accepted is left out. */
  balances: Map<number, number>;
  /** The accepted charges in order, each with the balance it left: the ledger entries to write. */
  accepted: Array<ChargeRequest & { balanceAfter: number }>;
}

/**
 * Applies a group's charges one after another, in the order they came, as if each had its own
 * transaction: each sees the balance the ones before it left, and one that would pass the cap is
 * refused alone. `balances` are the wallets as locked; a member missing from them has no wallet.
 */
export function applyCharges(
  balances: ReadonlyMap<number, number>,
  requests: readonly ChargeRequest[],
): ChargesApplied {
  const after = new Map<number, number>();
  const accepted: ChargesApplied["accepted"] = [];
  const verdicts = requests.map(({ memberId, amount }): ChargeVerdict => {
    const balance = after.get(memberId) ?? balances.get(memberId);
    if (balance === undefined) return { ok: false, error: new Error(`member ${memberId} has no wallet`) };
    try {
      const balanceAfter = balanceAfterCharge(balance, amount);
      after.set(memberId, balanceAfter);
      accepted.push({ memberId, amount, balanceAfter });
      return { ok: true, balanceAfter };
    } catch (error) {
      return { ok: false, error };
    }
  });
  return { verdicts, balances: after, accepted };
}
