import { useState } from "react";
import { useMutation, useQuery } from "@apollo/client/react";
import {
  CancelOrderItemDocument,
  OrdersDocument,
  PointDocument,
  PointHistoryDocument,
  ProductsDocument,
  type OrderFieldsFragment,
} from "../../../sdk/index.js";
import { ErrorNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formatDateTime, formatWon } from "../format.js";
import { PageTitle } from "../router.js";

const PAGE_SIZE = 10;

const ORDER_STATUS: Record<OrderFieldsFragment["status"], string> = {
  PAID: "Paid",
  PARTIALLY_CANCELLED: "Partly cancelled",
  CANCELLED: "Cancelled",
};

const METHOD: Record<OrderFieldsFragment["payments"][number]["method"], string> = {
  POINT: "Points",
  CARD: "Card",
};

function Order({ order }: { order: OrderFieldsFragment }) {
  const [cancel, cancelling] = useMutation(CancelOrderItemDocument, {
    // The refund goes back to points (and the card); the line's stock is for sale again.
    refetchQueries: [PointDocument, PointHistoryDocument, ProductsDocument],
  });
  const [error, setError] = useState<unknown>(null);

  const cancelLine = async (orderItemId: string) => {
    setError(null);
    try {
      await cancel({ variables: { orderItemId } });
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <article className="panel" aria-labelledby={`order-${order.id}`}>
      <h2 id={`order-${order.id}`}>
        Order {order.id} · {ORDER_STATUS[order.status]}
      </h2>
      <p className="hint">{formatDateTime(order.createdAt)}</p>
      <ul className="lines">
        {order.items.map((item) => {
          const name = `${item.productName}${item.optionName === item.productName ? "" : ` (${item.optionName})`}`;
          return (
            <li key={item.id} className="line">
              <span className="grow">
                {name} × {item.quantity}
                {item.status === "CANCELLED" && <span className="sold-out"> · cancelled</span>}
              </span>
              <span className="amount">{formatWon(item.amount)}</span>
              {item.status === "PAID" && (
                <button
                  type="button"
                  className="secondary"
                  aria-label={`Cancel ${name} of order ${order.id}`}
                  disabled={cancelling.loading}
                  onClick={() => void cancelLine(item.id)}
                >
                  {cancelling.loading ? "Cancelling…" : "Cancel"}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {error !== null && <ErrorNote>{errorMessage(error)}</ErrorNote>}
      <table>
        <caption className="visually-hidden">Payments of order {order.id}</caption>
        <thead>
          <tr>
            <th scope="col">Paid with</th>
            <th scope="col" className="amount">
              Amount
            </th>
            <th scope="col" className="amount">
              Refunded
            </th>
          </tr>
        </thead>
        <tbody>
          {order.payments.map((payment) => (
            <tr key={payment.method}>
              <th scope="row">{METHOD[payment.method]}</th>
              <td className="amount">{formatWon(payment.amount)}</td>
              <td className="amount">{formatWon(payment.refundedAmount)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Total</th>
            <td className="amount">{formatWon(order.totalAmount)}</td>
            <td className="amount">{formatWon(order.refundedAmount)}</td>
          </tr>
        </tbody>
      </table>
    </article>
  );
}

/** The member's orders, newest first: each line may be cancelled, each payment shows its refund. */
export function OrdersPage() {
  const orders = useQuery(OrdersDocument, { variables: { first: PAGE_SIZE } });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const connection = orders.data?.orders;

  const loadMore = async () => {
    if (!connection?.pageInfo.endCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      await orders.fetchMore({ variables: { first: PAGE_SIZE, after: connection.pageInfo.endCursor } });
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <PageTitle>My orders</PageTitle>
      {orders.error && <ErrorNote>{errorMessage(orders.error)}</ErrorNote>}
      {!connection && orders.loading && <p>Loading your orders…</p>}
      {connection?.nodes.length === 0 && <p>No orders yet.</p>}
      {connection?.nodes.map((order) => (
        <Order key={order.id} order={order} />
      ))}
      {moreError !== null && <ErrorNote>{errorMessage(moreError)}</ErrorNote>}
      {connection?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
          {loadingMore ? "Loading…" : "Show older orders"}
        </button>
      )}
    </>
  );
}
