import type { Logger } from "../../observability/logger.js";
import type { CheckoutDeps } from "./checkout.deps.js";
import {
  findCheckout,
  listDueForReconcile,
  listLapsed,
  requestReconcile,
  type CheckoutRow,
} from "./checkout.repository.js";
import type { CheckoutSettlement } from "./checkout-settlement.js";

/** Checkouts the sweep handles per kind and pass; the next pass takes the rest. */
const SWEEP_BATCH = 100;

/** Statuses in which what the PG holds can still change a checkout's fate. */
const RECONCILABLE: ReadonlySet<CheckoutRow["status"]> = new Set(["CONFIRMING", "FAILED", "EXPIRED"]);

/**
 * What happens to checkouts nobody is waiting on: reservations released at their end, confirms whose
 * outcome was unknown (or whose process died) settled by asking the PG, webhooks taken as hints to
 * ask. Run by the worker: as delayed jobs on time, and by a periodic sweep for whatever a job missed.
 * Everything here is safe to run twice or concurrently: each change is decided on the locked row.
 */
export class CheckoutRecovery {
  constructor(
    private readonly deps: CheckoutDeps,
    private readonly settlement: CheckoutSettlement,
    private readonly log: Logger,
  ) {}

  /** The delayed job at a reservation's end; nothing if it was confirmed, abandoned or extended meanwhile. */
  expire(checkoutId: number): Promise<boolean> {
    return this.settlement.expire(checkoutId);
  }

  /**
   * Asks the PG what it holds for the checkout's order and settles the checkout on it: the sale when
   * the confirm went through, FAILED when it did not, a refund for money captured with no sale behind
   * it, or another question later while the PG cannot say. Reads only: never confirms again.
   */
  async reconcile(checkoutId: number): Promise<CheckoutRow | undefined> {
    const checkout = await findCheckout(this.deps.db, checkoutId);
    if (!checkout || !RECONCILABLE.has(checkout.status)) return checkout;
    const verdict = await this.deps.gateway.lookup({ pgOrderId: checkout.pgOrderId, amount: checkout.amount });
    return (await this.settlement.settle(checkoutId, verdict)).checkout;
  }

  /**
   * A PG webhook named this orderId: a hint to ask the PG, never a statement taken on trust. The
   * question is written down (reconcile_at, which the sweep reads) before the webhook is answered, so
   * a hint is never lost with a process; a job asks at once. Duplicates and stale webhooks only ask
   * the same question again, and the answer settles the checkout once (the locked row decides).
   */
  async hint(pgOrderId: string): Promise<void> {
    const now = this.deps.clock.now();
    const checkoutId = await requestReconcile(this.deps.db, pgOrderId, now);
    if (checkoutId !== undefined) this.deps.jobs.reconcileAt(checkoutId, now);
  }

  /** One pass of the sweep: lapsed reservations released, due confirms asked about. Returns how many of each. */
  async sweep(): Promise<{ expired: number; reconciled: number }> {
    const now = this.deps.clock.now();
    let expired = 0;
    for (const id of await listLapsed(this.deps.db, now, SWEEP_BATCH)) {
      if (await this.guarded("expire", id, () => this.expire(id))) expired += 1;
    }
    let reconciled = 0;
    for (const id of await listDueForReconcile(this.deps.db, now, SWEEP_BATCH)) {
      if (await this.guarded("reconcile", id, () => this.reconcile(id))) reconciled += 1;
    }
    return { expired, reconciled };
  }

  /** One checkout's failure never stops the sweep: logged, and the next pass tries it again. */
  private async guarded(work: string, checkoutId: number, run: () => Promise<unknown>): Promise<boolean> {
    try {
      return Boolean(await run());
    } catch (error) {
      this.log.warn({ checkoutId, work, err: { message: (error as Error).message } }, "checkout sweep: will retry");
      return false;
    }
  }
}
