import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PageInfoType } from "../../graphql/connection.js";
import { DateTime, SafeInt } from "../../graphql/scalars.js";
import type { OrderItemStatus, OrderStatus } from "./order.rules.js";

/** How an order is paid (the payment table's methods). */
export type PaymentMethod = "POINT" | "CARD";

const OrderStatusEnum = {
  PAID: "PAID",
  PARTIALLY_CANCELLED: "PARTIALLY_CANCELLED",
  CANCELLED: "CANCELLED",
} as const satisfies Record<OrderStatus, OrderStatus>;
registerEnumType(OrderStatusEnum, { name: "OrderStatus" });
const OrderItemStatusEnum = { PAID: "PAID", CANCELLED: "CANCELLED" } as const satisfies Record<
  OrderItemStatus,
  OrderItemStatus
>;
registerEnumType(OrderItemStatusEnum, { name: "OrderItemStatus" });

const PaymentMethodEnum = { POINT: "POINT", CARD: "CARD" } as const satisfies Record<PaymentMethod, PaymentMethod>;
registerEnumType(PaymentMethodEnum, { name: "PaymentMethod" });

@ObjectType("Payment", { description: "How an order was paid: one per method, points and card (a mixed payment)." })
export class PaymentType {
  @Field(() => PaymentMethodEnum)
  method: PaymentMethod;

  @Field(() => SafeInt)
  amount: number;

  @Field(() => SafeInt, {
    description: "Given back for cancelled lines: to the card first (a cancel at the PG), the rest to points.",
  })
  refundedAmount: number;
}

@ObjectType("OrderItem", { description: "An order line: names and unit price as they were when paid." })
export class OrderItemType {
  @Field(() => ID)
  id: number;

  @Field()
  productName: string;

  @Field()
  optionName: string;

  @Field(() => SafeInt)
  unitPrice: number;

  @Field(() => Int)
  quantity: number;

  @Field(() => SafeInt, { description: "unitPrice x quantity." })
  amount: number;

  @Field(() => OrderItemStatusEnum)
  status: OrderItemStatus;
  // `product` and `option` are field resolvers (the catalog as it is now), batched through DataLoaders.
}

@ObjectType("Order")
export class OrderType {
  @Field(() => ID)
  id: number;

  @Field(() => OrderStatusEnum)
  status: OrderStatus;

  @Field(() => SafeInt)
  totalAmount: number;

  @Field(() => SafeInt, { description: "Refunded for cancelled lines (card and points together)." })
  refundedAmount: number;

  @Field(() => DateTime)
  createdAt: Date;
  // `items` and `payments` are field resolvers, batched through DataLoaders.
}

@ObjectType("OrderEdge")
export class OrderEdgeType {
  @Field()
  cursor: string;

  @Field(() => OrderType)
  node: OrderType;
}

@ObjectType("OrderConnection")
export class OrderConnectionType {
  @Field(() => [OrderEdgeType])
  edges: OrderEdgeType[];

  @Field(() => [OrderType])
  nodes: OrderType[];

  @Field(() => PageInfoType)
  pageInfo: PageInfoType;
  // `totalCount` is a field resolver: the COUNT runs only when asked for.
}

@InputType("OrderLineInput")
export class OrderLineInputType {
  @Field(() => ID)
  productId: string;

  @Field(() => ID, { nullable: true, description: "May be left out when the product has exactly one option." })
  optionId?: string | null;

  @Field(() => Int, { description: "1 to 1000." })
  quantity: number;
}

@InputType("PlaceOrderInput", { description: "Exactly one of items or fromCart: true." })
export class PlaceOrderInputType {
  @Field(() => [OrderLineInputType], {
    nullable: true,
    description: "1 to 100 lines; lines of the same option are merged.",
  })
  items?: OrderLineInputType[] | null;

  @Field(() => Boolean, { nullable: true, description: "Order every line of the cart, and remove them from it." })
  fromCart?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description: "1 to 255 characters, kept 48 h: a repeat returns the first order.",
  })
  idempotencyKey?: string | null;
}
