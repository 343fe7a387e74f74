import { runBatchedTransaction, type BatchedTransaction } from "../../db/batched-transaction.js";
import { GroupCommit, type Outcome } from "../../db/group-commit.js";
import type { Pool, TransactionOptions } from "../../db/transaction.js";
import { chargeGroupFallbacks } from "../../observability/metrics.js";
import type { Clock } from "../../shared/clock.js";
import { DomainError } from "../../shared/errors.js";
import { applyCharges, type ChargeRequest } from "./point.rules.js";
import { balancesOf, insertChargeEntries, lockWallets, setBalances } from "./point.statements.js";

/** Largest group of charges committed in one transaction. */
const MAX_CHARGE_GROUP = 64;
/**
 * A group running longer than this is set aside and the next one starts (GroupCommit), as for orders:
 * a group stuck on a half-open connection until its batch timeout must not stop every charge.
 */
const CHARGE_GROUP_STUCK_MS = 1_000;

/** A charge of the group, committed (the balance it left), or to be made on its own (nothing of its group was committed). */
export type ChargeAnswer = { balance: number } | { chargeAlone: true };
const CHARGE_ALONE: ChargeAnswer = { chargeAlone: true };

/**
 * Charges without an idempotency key committed in groups, as orders are (OrderGroups): while one
 * group's transaction runs, the charges that arrive queue up and go together as the next one. A member
 * charging from many tabs or a script at once (the hot wallet) then has one lock, one UPDATE, one
 * ledger INSERT and one COMMIT serve up to 64 charges instead of one each; when idle, a charge is a
 * group of one and waits for nothing.
 *
 * Two round trips: the transaction's opening with the wallets' locks (in member id order, waiting, as
 * a charge alone does), then the balances, the ledger entries, the commit token and COMMIT in one
 * batch. Each charge still gets its own answer: the balance it left, as if it had run alone in the
 * order it arrived, or its own refusal (the cap) while the others go through.
 */
export class ChargeGroups {
  private readonly groups = new GroupCommit<ChargeRequest, ChargeAnswer>(
    (requests) => this.chargeGroup(requests),
    MAX_CHARGE_GROUP,
    CHARGE_GROUP_STUCK_MS,
  );

  constructor(
    private readonly pool: Pool,
    private readonly transaction: TransactionOptions,
    private readonly clock: Clock,
  ) {}

  /** Queues the charge for the next group; answers once that group has committed or failed. */
  submit(request: ChargeRequest): Promise<ChargeAnswer> {
    return this.groups.submit(request);
  }

  private async chargeGroup(requests: ChargeRequest[]): Promise<Array<Outcome<ChargeAnswer>>> {
    try {
      return await runBatchedTransaction(
        this.pool,
        "charge_point",
        (tx) => this.chargeAll(tx, requests),
        this.transaction,
      );
    } catch (error) {
      // The COMMIT's answer was lost and the database could not say whether it was applied: charging
      // again could charge twice, so each charge is told the outcome is unknown.
      if (error instanceof DomainError && error.details.outcomeUnknown === true)
        return requests.map(() => ({ ok: false, error }));
      // Nothing of the group was committed (lock retries used up, a connection lost before COMMIT, a
      // COMMIT found rolled back): each charge is made on its own, where each gets its own answer.
      chargeGroupFallbacks.inc();
      return requests.map(() => ({ ok: true, value: CHARGE_ALONE }));
    }
  }

  private async chargeAll(tx: BatchedTransaction, requests: ChargeRequest[]): Promise<Array<Outcome<ChargeAnswer>>> {
    const memberIds = [...new Set(requests.map((request) => request.memberId))];
    const [locked] = await tx.send([lockWallets(memberIds, "wait")]);
    const { verdicts, balances, accepted } = applyCharges(balancesOf(locked), requests);
    const createdAt = this.clock.now();
    const entries = accepted.map((charge) => ({ ...charge, createdAt }));
    if (entries.length === 0) tx.endWithoutWriting();
    else tx.sendAtCommit([setBalances(balances), ...insertChargeEntries(entries)]);
    return verdicts.map((verdict) =>
      verdict.ok ? { ok: true, value: { balance: verdict.balanceAfter } } : { ok: false, error: verdict.error },
    );
  }
}
