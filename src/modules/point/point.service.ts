import { runInTransaction, type Db, type Pool, type Tx } from "../../db/transaction.js";
import { ChargeGroups } from "./charge-groups.js";
import type { Clock } from "../../shared/clock.js";
import { toPage, type Page, type PageRequest } from "../../shared/pagination.js";
import type { IdempotencyService } from "../idempotency/idempotency.service.js";
import {
  countLedger,
  insertLedgerEntries,
  insertWallet,
  listLedger,
  lockWallet,
  readBalance,
  setBalance,
  setOrderOfCheckoutEntries,
  type LedgerRow,
} from "./point.repository.js";
import { balanceAfterCharge, balanceAfterRefund, balanceAfterUse, movesPoints } from "./point.rules.js";

/** What chargePoint returns, and what a replay of the same idempotency key returns again. */
export interface ChargeResult {
  balance: number;
}

export interface Refund {
  orderId: number;
  orderItemId: number;
  amount: number;
}

/** Point balances: one wallet row per member, a ledger entry with the running balance for every change. */
export class PointService {
  private readonly groups: ChargeGroups;

  constructor(
    private readonly db: Db,
    private readonly idempotency: IdempotencyService,
    /** Dates the ledger entries: the service's time, not the database server's. */
    private readonly clock: Clock,
    /** The pool behind `db`: a charge whose COMMIT answer is lost is asked about on it. */
    private readonly pool: Pool,
    /** Longest wait for one batch of a group of charges (DB_BATCH_TIMEOUT_MS). */
    batchTimeoutMs?: number,
  ) {
    this.groups = new ChargeGroups(pool, { isolationLevel: "read committed", batchTimeoutMs }, clock);
  }

  /** Opens the member's empty wallet inside the sign-up transaction. */
  openWallet(tx: Tx, memberId: number): Promise<void> {
    return insertWallet(tx, memberId);
  }

  balanceOf(memberId: number): Promise<number> {
    return readBalance(this.db, memberId);
  }

  /** The member's ledger, newest first. */
  async history(memberId: number, request: PageRequest): Promise<Page<LedgerRow>> {
    return toPage(await listLedger(this.db, memberId, request), request);
  }

  countHistory(memberId: number): Promise<number> {
    return countLedger(this.db, memberId);
  }

  /**
   * Adds points under the wallet's row lock, with a CHARGE ledger entry; once per idempotency key.
   * Charges without a key go through the group commit (ChargeGroups); a key brings a row of its own
   * into the transaction, so those keep a transaction each.
   */
  async chargePoints(memberId: number, amount: number, idempotencyKey?: string | null): Promise<ChargeResult> {
    balanceAfterCharge(0, amount); // refuse a bad amount before opening a transaction
    if (idempotencyKey == null) {
      const answer = await this.groups.submit({ memberId, amount });
      if ("balance" in answer) return answer;
    }
    return this.chargeAlone(memberId, amount, idempotencyKey);
  }

  /** One charge in a transaction of its own, with its idempotency key if it has one. */
  private chargeAlone(memberId: number, amount: number, idempotencyKey?: string | null): Promise<ChargeResult> {
    return runInTransaction(
      this.db,
      (tx) =>
        this.idempotency.once(tx, {
          memberId,
          scope: "CHARGE_POINT",
          key: idempotencyKey,
          request: { amount },
          run: async () => {
            const balance = balanceAfterCharge(await lockWallet(tx, memberId), amount);
            await setBalance(tx, memberId, balance);
            await insertLedgerEntries(tx, [
              { memberId, type: "CHARGE", amount, balanceAfter: balance, createdAt: this.clock.now() },
            ]);
            return { balance };
          },
        }),
      // Every decision is made on the wallet row read FOR UPDATE, which sees the latest committed
      // balance whatever the isolation level; READ COMMITTED adds no gap locks on the ledger.
      { isolationLevel: "read committed", askLostCommit: { pool: this.pool, unit: "charge_point" } },
    );
  }

  /** Refunds cancelled order lines inside the cancellation's transaction, one REFUND entry per line, dated `at`. */
  async refund(tx: Tx, memberId: number, refunds: Refund[], at: Date): Promise<void> {
    let balance = await lockWallet(tx, memberId);
    const entries = refunds
      .filter((refund) => movesPoints(refund.amount))
      .map((refund) => {
        balance = balanceAfterRefund(balance, refund.amount);
        return {
          memberId,
          type: "REFUND" as const,
          amount: refund.amount,
          balanceAfter: balance,
          orderId: refund.orderId,
          orderItemId: refund.orderItemId,
          createdAt: at,
        };
      });
    await setBalance(tx, memberId, balance);
    await insertLedgerEntries(tx, entries);
  }

  /**
   * Inside a checkout's transaction: holds `amount` points for it (a USE entry naming the checkout),
   * INSUFFICIENT_BALANCE if the wallet is short. Holding nothing (0) writes nothing.
   */
  async holdForCheckout(tx: Tx, memberId: number, checkoutId: number, amount: number, at: Date): Promise<void> {
    if (!movesPoints(amount)) return;
    const balance = balanceAfterUse(await lockWallet(tx, memberId), amount);
    await setBalance(tx, memberId, balance);
    await insertLedgerEntries(tx, [
      { memberId, type: "USE", amount, balanceAfter: balance, checkoutId, createdAt: at },
    ]);
  }

  /** Inside a checkout's transaction: gives its held points back (a REFUND entry naming the checkout). */
  async releaseForCheckout(tx: Tx, memberId: number, checkoutId: number, amount: number, at: Date): Promise<void> {
    if (!movesPoints(amount)) return;
    const balance = balanceAfterRefund(await lockWallet(tx, memberId), amount);
    await setBalance(tx, memberId, balance);
    await insertLedgerEntries(tx, [
      { memberId, type: "REFUND", amount, balanceAfter: balance, checkoutId, createdAt: at },
    ]);
  }

  /** Inside the transaction that makes a checkout an order: its held points become the order's payment. */
  attachCheckoutToOrder(tx: Tx, checkoutId: number, orderId: number): Promise<void> {
    return setOrderOfCheckoutEntries(tx, checkoutId, orderId);
  }
}
