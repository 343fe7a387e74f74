import { randomUUID } from "node:crypto";
import type { BatchedTransaction } from "../../db/batched-transaction.js";
import type { Outcome } from "../../db/group-commit.js";
import { orderEvent, type OrderEvent, type OrderSnapshot } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import type { OptionView } from "../catalog/catalog.service.js";
import { balanceAfterUse } from "../point/point.rules.js";
import {
  appendOutboxAtCommit,
  readForPlacement,
  takeStockAtCommit,
  writeOrders,
  type WalletLocking,
} from "./order-placement.repository.js";
import type { PlacedOrder } from "./order.repository.js";
import { resolveLines } from "./order-lines.js";
import {
  ensureStockCovers,
  stockAfter,
  unitsByOption,
  type OrderLine,
  type PricedLine,
  type RequestedLine,
} from "./order.rules.js";
import { present } from "../../shared/present.js";

/** One order to pay: its buyer and the lines asked for. */
export interface OrderRequest {
  memberId: number;
  requested: readonly RequestedLine[];
}

/** The buyer's wallet was held by another transaction, so a group of orders ("skip-locked") left this order out. */
export class WalletHeld extends Error {
  constructor(readonly memberId: number) {
    super(`wallet of member ${memberId} is held by another transaction`);
  }
}

/**
 * The stock UPDATE at commit found a line no longer covered (others bought it since it was read), so
 * nothing was committed. `lines` are the lines whose stock the transaction tried to take.
 */
export class StockTakenMeanwhile extends Error {
  constructor(readonly lines: readonly OrderLine[]) {
    super("stock taken by concurrent orders");
  }
}

/** An order paid in the transaction, with its ORDER_PAID event for the relay to publish after COMMIT. */
export interface PaidOrder extends PlacedOrder {
  event: OrderEvent;
}

/** An order that passed every rule, before it is written. */
interface AcceptedOrder {
  memberId: number;
  /** Merged, in option id order: what the stock is taken for. */
  lines: OrderLine[];
  priced: PricedLine[];
  totalAmount: number;
  balanceAfter: number;
}

/**
 * Pays one or more orders inside `tx`, in the three round trips of place-order.service.ts: one read
 * (options and wallets), one batch of writes, and the outbox event and the stock taken with COMMIT.
 * Each order is decided on its own, in the order given, against the stock and balances left by the
 * ones before it; an order refused (a DomainError, or WalletHeld) is left out and gets its error, the
 * others go on. Any other error fails the transaction. If the stock is gone by COMMIT, the runner
 * throws StockTakenMeanwhile naming the lines.
 */
export async function payOrders(
  tx: BatchedTransaction,
  requests: readonly OrderRequest[],
  walletLocking: WalletLocking,
  clock: Clock,
): Promise<Array<Outcome<PaidOrder>>> {
  const productIds = [...new Set(requests.flatMap((request) => request.requested.map((line) => line.productId)))];
  const memberIds = [...new Set(requests.map((request) => request.memberId))];
  const { options, balances } = await readForPlacement(tx, memberIds, productIds, walletLocking);
  const decisions = decideOrders(requests, options, balances, walletLocking);
  const accepted = decisions.flatMap((decision) => (decision.ok ? [decision.value] : []));
  // Every order refused: nothing to write, and no commit token either.
  if (accepted.length === 0) tx.endWithoutWriting();
  const placed =
    accepted.length === 0 ? new Map<AcceptedOrder, PaidOrder>() : await writePaidOrders(tx, accepted, clock.now());
  return decisions.map((decision) =>
    decision.ok ? { ok: true, value: present(placed.get(decision.value), "a paid order") } : decision,
  );
}

/** Batch 2 now, and what goes with COMMIT: the ORDER_PAID events, then the stock taken for every line. */
async function writePaidOrders(
  tx: BatchedTransaction,
  accepted: readonly AcceptedOrder[],
  paidAt: Date,
): Promise<Map<AcceptedOrder, PaidOrder>> {
  const ids = await writeOrders(
    tx,
    accepted.map((order) => ({ ...order, paidAt, lines: order.priced })),
  );
  const placed = new Map<AcceptedOrder, PaidOrder>();
  const events = accepted.map((order, position) => {
    const { orderId, itemIds } = present(ids[position], `the ids of order ${position}`);
    const snapshot: OrderSnapshot = {
      id: orderId,
      memberId: order.memberId,
      totalAmount: order.totalAmount,
      createdAt: paidAt,
      payments: [{ method: "POINT", amount: order.totalAmount }],
      items: order.priced.map((line, lineIndex) => ({
        ...line,
        id: present(itemIds[lineIndex], `line ${lineIndex}`),
        status: "PAID",
      })),
    };
    const event = orderEvent("ORDER_PAID", randomUUID(), paidAt, snapshot);
    placed.set(order, { ...placedOrder(snapshot, order.priced, paidAt), event });
    return event;
  });
  appendOutboxAtCommit(tx, events);
  const lines = accepted.flatMap((order) => order.lines);
  takeStockAtCommit(tx, unitsByOption(lines), () => new StockTakenMeanwhile(lines));
  return placed;
}

/**
 * The rules, order by order: the option of each line, enough stock as read, the price, enough
 * points. Stock and balances carry over from one accepted order to the next.
 */
function decideOrders(
  requests: readonly OrderRequest[],
  options: readonly OptionView[],
  balancesAsRead: ReadonlyMap<number, number>,
  walletLocking: WalletLocking,
): Array<Outcome<AcceptedOrder>> {
  const balances = new Map(balancesAsRead);
  let stock = new Map(options.map((option) => [option.id, option.stock]));
  return requests.map(({ memberId, requested }): Outcome<AcceptedOrder> => {
    if (walletLocking === "skip-locked" && !balances.has(memberId)) {
      return { ok: false, error: new WalletHeld(memberId) };
    }
    try {
      const { lines, priced, totalAmount } = resolveLines(requested, options);
      ensureStockCovers(lines, stock);
      const balance = balances.get(memberId);
      if (balance === undefined) throw new Error(`member ${memberId} has no wallet`);
      const balanceAfter = balanceAfterUse(balance, totalAmount);
      balances.set(memberId, balanceAfter);
      stock = stockAfter(stock, lines);
      return { ok: true, value: { memberId, lines, priced, totalAmount, balanceAfter } };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ok: false, error };
    }
  });
}

/** The order and its lines as they were written, so the answer needs no read after the commit. */
function placedOrder(snapshot: OrderSnapshot, priced: readonly PricedLine[], paidAt: Date): PlacedOrder {
  return {
    order: {
      id: snapshot.id,
      memberId: snapshot.memberId,
      status: "PAID",
      totalAmount: snapshot.totalAmount,
      refundedAmount: 0,
      createdAt: paidAt,
      updatedAt: paidAt,
    },
    items: priced.map((line, index) => ({
      id: present(snapshot.items[index], `line ${index}`).id,
      orderId: snapshot.id,
      productId: line.productId,
      optionId: line.optionId,
      productName: line.productName,
      optionName: line.optionName,
      unitPrice: line.unitPrice,
      quantity: line.quantity,
      amount: line.amount,
      status: "PAID",
      createdAt: paidAt,
      cancelledAt: null,
      updatedAt: paidAt,
    })),
  };
}
