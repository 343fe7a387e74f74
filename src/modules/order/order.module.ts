import { CancelOrderService } from "./cancel-order.service.js";
import type { OrderDeps } from "./order.deps.js";
import { OrderQueries } from "./order-queries.service.js";
import { PlaceOrderService } from "./place-order.service.js";
import { recordSale } from "./record-sale.js";

// The shape other modules receive of an order (a checkout's order once paid).
export type { OrderRow } from "./order.repository.js";

/**
 * The order module's use cases, as the resolver (and tests) call them. Each is a method of the
 * service that owns it: placing (place-order.service.ts), cancelling (cancel-order.service.ts),
 * reading (order-queries.service.ts).
 */
export interface OrderUseCases {
  placeOrder: PlaceOrderService["placeOrder"];
  cancelOrderItem: CancelOrderService["cancelOrderItem"];
  cancelOrder: CancelOrderService["cancelOrder"];
  orderOf: OrderQueries["orderOf"];
  ordersOf: OrderQueries["ordersOf"];
  countOrdersOf: OrderQueries["countOrdersOf"];
  /** Inside another module's transaction (a checkout's): a sale it decided becomes a PAID order. */
  recordSale: typeof recordSale;
}

/** Builds the services once per process (src/app/services.ts). */
export function createOrderUseCases(deps: OrderDeps): OrderUseCases {
  const reading = new OrderQueries(deps.db);
  const placing = new PlaceOrderService(deps, reading);
  const cancelling = new CancelOrderService(deps, reading);
  return {
    placeOrder: (memberId, input) => placing.placeOrder(memberId, input),
    cancelOrderItem: (memberId, orderItemId) => cancelling.cancelOrderItem(memberId, orderItemId),
    cancelOrder: (memberId, orderId) => cancelling.cancelOrder(memberId, orderId),
    orderOf: (memberId, orderId) => reading.orderOf(memberId, orderId),
    ordersOf: (memberId, request) => reading.ordersOf(memberId, request),
    countOrdersOf: (memberId) => reading.countOrdersOf(memberId),
    recordSale,
  };
}
