import type { Db, Pool, TransactionOptions, Tx } from "../../db/transaction.js";
import type { OrderEvent } from "../../outbox/order-event.js";
import type { Clock } from "../../shared/clock.js";
import type { CartService } from "../cart/cart.service.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import type { IdempotencyService } from "../idempotency/idempotency.service.js";
import type { PointService } from "../point/point.service.js";

/**
 * Told after a commit that wrote outbox events, with those events when the caller has them (they are
 * then published from memory; without them the relay reads the outbox). Must return at once:
 * publishing happens in the background.
 */
export interface OutboxSignal {
  notify(committed?: readonly OrderEvent[]): void;
}

/** A card refund owed at the PG for a cancelled line (the payment-gateway module's pg_refund outbox). */
export interface CardRefund {
  paymentKey: string;
  amount: number;
  cause: "ORDER_ITEM_CANCELLED";
  reason: string;
  orderItemId: number;
}

/** Where a cancellation records the card refunds it owes, inside its own transaction, and says so after commit. */
export interface CardRefunds {
  queue(tx: Tx, refunds: readonly CardRefund[]): Promise<void>;
  /** After the commit: send the payments' refunds now; returns at once, never throws. */
  sendSoon(paymentKeys: readonly string[]): void;
}

/** What the order use cases are built from; src/app/services.ts wires it once per process. */
export interface OrderDeps {
  db: Db;
  /** The same database as `db`: placeOrder sends its statements in batches on a connection of its own. */
  pool: Pool;
  clock: Clock;
  catalog: CatalogService;
  points: PointService;
  carts: CartService;
  idempotency: IdempotencyService;
  outbox: OutboxSignal;
  cardRefunds: CardRefunds;
  /** DB_BATCH_TIMEOUT_MS: how long a batch of placeOrder waits for the database's answer. */
  batchTimeoutMs?: number;
}

/**
 * How every order transaction is opened, placing and cancelling alike.
 *
 * READ COMMITTED is enough for every statement here: each decision is made on the latest committed
 * row under its lock, whatever the isolation level: the balance and a line still PAID on rows read
 * with FOR UPDATE, the stock by an UPDATE (which locks and reads the latest version) refused by a
 * CHECK constraint if it would go below zero. What READ COMMITTED adds over REPEATABLE READ is what
 * we want: no gap locks (fewer lock waits between unrelated orders) and plain reads (names, prices)
 * that see the latest committed catalog.
 */
export function orderTransaction(deps: Pick<OrderDeps, "batchTimeoutMs">): TransactionOptions {
  return { isolationLevel: "read committed", batchTimeoutMs: deps.batchTimeoutMs };
}
