import { useState, type SubmitEvent } from "react";
import { useMutation, useQuery } from "@apollo/client/react";
import {
  ChargePointDocument,
  PointHistoryDocument,
  shopErrorCode,
  type PointTransactionFieldsFragment,
} from "../../../sdk/index.js";
import { ErrorNote, StatusNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formatDateTime, formatWon } from "../format.js";
import { newIdempotencyKey } from "../keys.js";
import { PageTitle } from "../router.js";

const PAGE_SIZE = 10;

const TYPE: Record<PointTransactionFieldsFragment["type"], string> = {
  CHARGE: "Charged",
  USE: "Spent",
  REFUND: "Refunded",
};

/** The balance, a form to charge points (one idempotency key per attempt), and the history. */
export function PointsPage() {
  const history = useQuery(PointHistoryDocument, { variables: { first: PAGE_SIZE } });
  const [charge, charging] = useMutation(ChargePointDocument, { refetchQueries: [PointHistoryDocument] });
  const [amount, setAmount] = useState(10_000);
  const [key, setKey] = useState(newIdempotencyKey);
  const [outcome, setOutcome] = useState<{ error: unknown } | { charged: number } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const point = history.data?.point;

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setOutcome(null);
    try {
      await charge({ variables: { amount, idempotencyKey: key } });
      setOutcome({ charged: amount });
      setKey(newIdempotencyKey());
    } catch (error) {
      setOutcome({ error });
      // Refused for sure: the next try is a new charge. Otherwise the same key makes a retry safe.
      if (shopErrorCode(error) !== undefined && shopErrorCode(error) !== "SERVICE_UNAVAILABLE") {
        setKey(newIdempotencyKey());
      }
    }
  };

  const loadMore = async () => {
    const after = point?.history.pageInfo.endCursor;
    if (!after) return;
    setLoadingMore(true);
    try {
      await history.fetchMore({ variables: { first: PAGE_SIZE, after } });
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <PageTitle>My points</PageTitle>
      {history.error && <ErrorNote>{errorMessage(history.error)}</ErrorNote>}
      {point && <p className="totals">Balance: {formatWon(point.balance)}</p>}
      <form className="panel" onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="charge-amount">Amount to charge (won)</label>
          <input
            id="charge-amount"
            type="number"
            min={1}
            step={1}
            value={amount}
            onChange={(event) => setAmount(Math.max(1, Math.floor(Number(event.target.value) || 1)))}
          />
        </div>
        {outcome && "error" in outcome && <ErrorNote>{errorMessage(outcome.error)}</ErrorNote>}
        {outcome && "charged" in outcome && <StatusNote>{formatWon(outcome.charged)} charged.</StatusNote>}
        <button type="submit" disabled={charging.loading}>
          {charging.loading ? "Charging…" : `Charge ${formatWon(amount)}`}
        </button>
      </form>
      {point && (
        <table>
          <caption>History ({point.history.totalCount})</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col" className="amount">
                Amount
              </th>
              <th scope="col" className="amount">
                Balance after
              </th>
            </tr>
          </thead>
          <tbody>
            {point.history.nodes.map((entry) => (
              <tr key={entry.id}>
                <td>{formatDateTime(entry.createdAt)}</td>
                <td>
                  {TYPE[entry.type]}
                  {entry.orderId ? ` (order ${entry.orderId})` : ""}
                </td>
                <td className="amount">{formatWon(entry.amount)}</td>
                <td className="amount">{formatWon(entry.balanceAfter)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {point?.history.pageInfo.hasNextPage && (
        <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
          {loadingMore ? "Loading…" : "Show older entries"}
        </button>
      )}
    </>
  );
}
