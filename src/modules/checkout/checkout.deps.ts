import type { Db, Pool, TransactionOptions } from "../../db/transaction.js";
import type { Logger } from "../../observability/logger.js";
import type { Clock } from "../../shared/clock.js";
import type { CartService } from "../cart/cart.service.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import type { IdempotencyService } from "../idempotency/idempotency.service.js";
import type { OrderUseCases } from "../order/order.module.js";
import type { OutboxSignal } from "../order/order.deps.js";
import type { PgRefunds } from "../payment-gateway/pg-refunds.service.js";
import type { PointService } from "../point/point.service.js";
import type { PgVerdict } from "./checkout.rules.js";

/** The PG as checkouts need it: every answer, or its absence, reduced to a verdict (checkout.rules.ts). */
export interface CheckoutGateway {
  /** Asks the PG to capture the payment; the Idempotency-Key is derived from pgOrderId, so a retry is the same request. */
  confirm(request: { paymentKey: string; pgOrderId: string; amount: number }): Promise<PgVerdict>;
  /** What the PG holds for the checkout's orderId now. */
  lookup(request: { pgOrderId: string; amount: number }): Promise<PgVerdict>;
}

/**
 * Work a checkout hands to the worker, on time: releasing a reservation at its end, asking the PG
 * again about a confirm whose outcome is unknown. Each call must return at
 * once and never throw: the sweep does the same work for whatever a lost job missed, so a job is
 * only ever the punctual path, never the one correctness depends on.
 */
export interface CheckoutJobs {
  expireAt(checkoutId: number, at: Date): void;
  reconcileAt(checkoutId: number, at: Date): void;
}

/** What the checkout use cases are built from; src/app/services.ts wires it once per process. */
export interface CheckoutDeps {
  db: Db;
  pool: Pool;
  clock: Clock;
  catalog: CatalogService;
  points: PointService;
  carts: CartService;
  idempotency: IdempotencyService;
  orders: Pick<OrderUseCases, "recordSale" | "orderOf">;
  gateway: CheckoutGateway;
  refunds: PgRefunds;
  outbox: OutboxSignal;
  jobs: CheckoutJobs;
  log: Logger;
  /** CHECKOUT_TTL_SECONDS: how long a checkout holds its stock and points. */
  ttlSeconds: number;
  /**
   * After a confirm starts, when the sweep first asks the PG how it ended should this process never
   * record the answer (killed mid-confirm): longer than the PG's read timeout, so a confirm still
   * waiting for its answer is not asked about.
   */
  reconcileFirstMs: number;
}

/**
 * How every checkout transaction is opened: READ COMMITTED (each decision is made on rows locked FOR
 * UPDATE, as in orderTransaction), and a commit token, since each one moves stock, points or money:
 * a COMMIT whose answer is lost is asked about, never guessed.
 */
export const checkoutTransaction = (deps: Pick<CheckoutDeps, "pool">, unit: string): TransactionOptions => ({
  isolationLevel: "read committed",
  askLostCommit: { pool: deps.pool, unit },
});
