import type { Tx } from "../../db/transaction.js";
import { DomainError, ErrorCode } from "../../shared/errors.js";
import { present } from "../../shared/present.js";
import { ensureStockCovers } from "../order/order.rules.js";
import type { CheckoutDeps } from "./checkout.deps.js";
import { listCheckoutItems, type CheckoutRow } from "./checkout.repository.js";
import { FailureCode } from "./checkout.rules.js";

/** A lapsed reservation could not be taken again: the checkout fails with this code instead of confirming. */
export class RetakeRefused extends Error {
  constructor(readonly failureCode: string) {
    super(`the reservation could not be taken again: ${failureCode}`);
  }
}

/**
 * What a checkout's transitions do to what it holds, inside the settlement's transaction on the
 * locked checkout row: the reservation turned into the sale, given back, or taken again after it
 * lapsed. Locks follow the checkout row in the service-wide order: cart, wallet, stock rows.
 */
export class CheckoutReservation {
  constructor(private readonly deps: CheckoutDeps) {}

  /** The reservation becomes the sale: the order, its payments, the ledger entry naming it, the cart emptied of what was bought. */
  async sell(tx: Tx, row: CheckoutRow, paidAt: Date): Promise<number> {
    const items = await listCheckoutItems(tx, row.id);
    const placed = await this.deps.orders.recordSale(tx, {
      memberId: row.memberId,
      lines: items,
      payments: [
        ...(row.pointAmount > 0 ? [{ method: "POINT" as const, amount: row.pointAmount, paymentKey: null }] : []),
        {
          method: "CARD" as const,
          amount: row.amount,
          paymentKey: present(row.paymentKey, "the confirmed paymentKey"),
        },
      ],
      paidAt,
    });
    await this.deps.points.attachCheckoutToOrder(tx, row.id, placed.order.id);
    if (row.fromCart)
      await this.deps.carts.removeBoughtOptions(
        tx,
        row.memberId,
        items.map((item) => item.optionId),
      );
    return placed.order.id;
  }

  /** Gives the reservation back: points to the wallet (locked first), units to their stock rows. */
  async release(tx: Tx, row: CheckoutRow): Promise<void> {
    const lines = await listCheckoutItems(tx, row.id);
    await this.deps.points.releaseForCheckout(tx, row.memberId, row.id, row.pointAmount, this.deps.clock.now());
    await this.deps.catalog.returnStock(tx, lines);
  }

  /** Takes a lapsed reservation again, points then stock, or refuses (RetakeRefused) and takes nothing. */
  async retake(tx: Tx, row: CheckoutRow, now: Date): Promise<void> {
    const lines = await listCheckoutItems(tx, row.id);
    try {
      await this.deps.points.holdForCheckout(tx, row.memberId, row.id, row.pointAmount, now);
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.INSUFFICIENT_BALANCE)
        throw new RetakeRefused(FailureCode.INSUFFICIENT_POINTS);
      throw error;
    }
    const stock = await this.deps.catalog.lockStocks(
      tx,
      lines.map((line) => line.optionId),
    );
    try {
      ensureStockCovers(lines, stock);
    } catch (error) {
      if (error instanceof DomainError) throw new RetakeRefused(FailureCode.OUT_OF_STOCK);
      throw error;
    }
    await this.deps.catalog.takeStock(tx, lines);
  }
}
