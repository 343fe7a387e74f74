import { runBatchedTransaction } from "../../db/batched-transaction.js";
import { GroupCommit, type Outcome } from "../../db/group-commit.js";
import type { Pool, TransactionOptions } from "../../db/transaction.js";
import { groupFallbacks } from "../../observability/metrics.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import { payOrders, WalletHeld, type OrderRequest, type PaidOrder } from "./pay-orders.js";

/** Largest group of orders committed in one transaction. */
const MAX_ORDER_GROUP = 64;
/**
 * A group of orders running longer than this is set aside and the next group starts (GroupCommit):
 * a group stuck on a half-open connection, until its batch timeout, must not stop every plain order
 * of the process. Far above a healthy group's time (a few ms; p99 ~100 ms with 64 buyers).
 */
const ORDER_GROUP_STUCK_MS = 1_000;

/**
 * What the group commit answers a plain order: placed, or to be placed on its own (its wallet was
 * held, or nothing of its group was committed). Lone placements run outside the group's turn, so an
 * order that has to wait for a lock never holds up the orders queued behind the group.
 */
export type GroupAnswer = { placed: PaidOrder } | { placeAlone: true };
const PLACE_ALONE: GroupAnswer = { placeAlone: true };

/**
 * Plain orders (listed items, no idempotency key) committed in groups: while one group's transaction
 * runs, the orders that arrive queue up and go together as the next group, in one transaction of the
 * same three round trips, where each table is written by one statement for the whole group. Under a
 * flash sale one commit and one hold of the hot stock row serve up to 64 orders; when idle, an order
 * is a group of one and waits for nothing.
 *
 * A group never waits for a wallet: it locks them with SKIP LOCKED, and an order whose wallet is held
 * elsewhere is answered "place alone" (see WalletHeld).
 */
export class OrderGroups {
  private readonly groups = new GroupCommit<OrderRequest, GroupAnswer>(
    (requests) => this.placeGroup(requests),
    MAX_ORDER_GROUP,
    ORDER_GROUP_STUCK_MS,
  );

  constructor(
    private readonly pool: Pool,
    private readonly transaction: TransactionOptions,
    private readonly clock: Clock,
  ) {}

  /** Queues the order for the next group; answers once that group has committed or failed. */
  submit(request: OrderRequest): Promise<GroupAnswer> {
    return this.groups.submit(request);
  }

  /** One group in one transaction. If it fails as a whole and is known to have committed nothing, each order is placed alone. */
  private async placeGroup(requests: OrderRequest[]): Promise<Array<Outcome<GroupAnswer>>> {
    let outcomes: Array<Outcome<PaidOrder>>;
    try {
      outcomes = await runBatchedTransaction(
        this.pool,
        "place_order",
        (tx) => payOrders(tx, requests, "skip-locked", this.clock),
        this.transaction,
      );
    } catch (error) {
      // The COMMIT's answer was lost and the database could not say whether it was applied: placing
      // these orders again could charge their buyers twice, so each is told the outcome is unknown.
      if (error instanceof DomainError && error.details.outcomeUnknown === true)
        return requests.map(() => ({ ok: false, error }));
      // Nothing of the group was committed (stock taken by another process between the read and the
      // take, lock retries used up, a connection lost before COMMIT or a COMMIT found rolled back):
      // every order is placed on its own, where each gets its own answer.
      groupFallbacks.inc();
      return requests.map(() => ({ ok: true, value: PLACE_ALONE }));
    }
    return outcomes.map((outcome): Outcome<GroupAnswer> => {
      if (outcome.ok) return { ok: true, value: { placed: outcome.value } };
      return outcome.error instanceof WalletHeld ? { ok: true, value: PLACE_ALONE } : outcome;
    });
  }
}
