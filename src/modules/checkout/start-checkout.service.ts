import { randomBytes } from "node:crypto";
import { runInTransaction, type Tx } from "../../db/transaction.js";
import { checkoutOutcomes } from "../../observability/metrics.js";
import { badUserInput } from "../../shared/errors.js";
import { present } from "../../shared/present.js";
import { resolveLines } from "../order/order-lines.js";
import { isStockShortage } from "../catalog/catalog.statements.js";
import {
  ensureStockCovers,
  stockKeptChanging,
  validateOrderSource,
  type OrderLine,
  type RequestedLine,
} from "../order/order.rules.js";
import { checkoutTransaction, type CheckoutDeps } from "./checkout.deps.js";
import { findCheckout, insertCheckout, type CheckoutRow } from "./checkout.repository.js";
import { orderNameOf, splitPayment } from "./checkout.rules.js";

export interface StartCheckoutInput {
  items?: readonly RequestedLine[] | null;
  fromCart?: boolean | null;
  pointAmount?: number | null;
  idempotencyKey?: string | null;
}

/** 18 random bytes: 144 bits, 24 characters of base64url; with the prefix, within the PG's 6 to 64. */
const newPgOrderId = (): string => `ck_${randomBytes(18).toString("base64url")}`;

/**
 * startCheckout: the same lines as placeOrder would sell, priced by the server, with their stock and
 * the points of a mixed payment reserved until expiresAt (CHECKOUT_TTL_SECONDS). One transaction:
 * idempotency key, cart (read, not emptied: that happens when the checkout is paid), the checkout
 * row, the wallet (points held), the stock rows (units taken, last), locked in that order.
 */
export class StartCheckoutService {
  constructor(private readonly deps: CheckoutDeps) {}

  async startCheckout(memberId: number, input: StartCheckoutInput): Promise<CheckoutRow> {
    const source = validateOrderSource(input.items, input.fromCart);
    const { checkoutId, started } = await runInTransaction(
      this.deps.db,
      async (tx) => {
        if (input.idempotencyKey == null)
          return { checkoutId: await this.start(tx, memberId, source, input), started: true };
        // Set only when this transaction starts the checkout; a replay of the key leaves it unset.
        let startedHere = false;
        const { checkoutId: id } = await this.deps.idempotency.once(tx, {
          memberId,
          scope: "START_CHECKOUT",
          key: input.idempotencyKey,
          request: {
            items: input.items ?? null,
            fromCart: input.fromCart ?? null,
            pointAmount: input.pointAmount ?? null,
          },
          run: async () => {
            startedHere = true;
            return { checkoutId: await this.start(tx, memberId, source, input) };
          },
        });
        return { checkoutId: id, started: startedHere };
      },
      checkoutTransaction(this.deps, "start_checkout"),
    );
    const checkout = present(await findCheckout(this.deps.db, checkoutId), `checkout ${checkoutId}`);
    if (started) {
      checkoutOutcomes.inc({ outcome: "started" });
      this.deps.jobs.expireAt(checkout.id, checkout.expiresAt);
    }
    return checkout;
  }

  /**
   * Last, so the stock rows (every buyer of a product wants the same one) are locked only from this
   * UPDATE to COMMIT: one round trip, not the three a SELECT ... FOR UPDATE before it would add. The
   * stock's CHECK refuses a line no longer covered; the stock is then read again to say which.
   */
  private async takeStock(tx: Tx, lines: readonly OrderLine[]): Promise<void> {
    try {
      await this.deps.catalog.takeStock(tx, lines);
    } catch (error) {
      if (!isStockShortage(error)) throw error;
      const now = await this.deps.catalog.optionsByIds(
        tx,
        lines.map((line) => line.optionId),
      );
      ensureStockCovers(lines, new Map(now.map((option) => [option.id, option.stock])));
      throw stockKeptChanging(); // covered again by the time it was read: restocked meanwhile
    }
  }

  private async start(tx: Tx, memberId: number, source: "items" | "cart", input: StartCheckoutInput): Promise<number> {
    const requested =
      source === "cart" ? (await this.deps.carts.lockLinesForOrder(tx, memberId)).lines : (input.items ?? []);
    if (requested.length === 0) throw badUserInput("fromCart", "the cart is empty");
    const options = await this.deps.catalog.optionsOfProducts(tx, [
      ...new Set(requested.map((line) => line.productId)),
    ]);
    const { lines, priced, totalAmount } = resolveLines(requested, options);
    // The stock as committed (no lock): a sold-out product fails here, before anything is written.
    ensureStockCovers(lines, new Map(options.map((option) => [option.id, option.stock])));
    const { card, points } = splitPayment(totalAmount, input.pointAmount);
    const now = this.deps.clock.now();
    const checkoutId = await insertCheckout(
      tx,
      {
        memberId,
        pgOrderId: newPgOrderId(),
        orderName: orderNameOf(productNamesAsAsked(requested, priced)),
        amount: card,
        pointAmount: points,
        status: "PENDING",
        fromCart: source === "cart",
        expiresAt: new Date(now.getTime() + this.deps.ttlSeconds * 1000),
        createdAt: now,
        updatedAt: now,
      },
      priced,
    );
    await this.deps.points.holdForCheckout(tx, memberId, checkoutId, points, now);
    await this.takeStock(tx, lines);
    return checkoutId;
  }
}

/** The products' names in the order the buyer listed them (the lines themselves are in option id order). */
function productNamesAsAsked(
  requested: readonly RequestedLine[],
  priced: ReadonlyArray<{ productId: number; productName: string }>,
): string[] {
  const names = new Map(priced.map((line) => [line.productId, line.productName]));
  return [...new Set(requested.map((line) => line.productId))].map((id) => present(names.get(id), `product ${id}`));
}
