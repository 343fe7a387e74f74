import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../../graphql/context.js";
import { PageArgs, toConnection, type ConnectionParts } from "../../graphql/connection.js";
import { parseId } from "../../shared/ids.js";
import { toPageRequest } from "../../shared/pagination.js";
import type { OptionView, ProductRow } from "../catalog/catalog.service.js";
import { ProductOptionType, ProductType } from "../catalog/catalog.types.js";
import { requireMemberId } from "../../auth/viewer.js";
import type { OrderItemRow, OrderRow, PaymentRow } from "./order.repository.js";
import type { OrderUseCases } from "./order.module.js";
import { OrderConnectionType, OrderItemType, OrderType, PaymentType, PlaceOrderInputType } from "./order.types.js";
import { present } from "../../shared/present.js";

type OrdersRoot = ConnectionParts<OrderRow> & { memberId: number };

@Resolver(() => OrderType)
export class OrderResolver {
  constructor(private readonly useCases: OrderUseCases) {}

  @Query(() => OrderConnectionType, { description: "The caller's orders, newest first." })
  async orders(
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<OrdersRoot> {
    const memberId = requireMemberId(viewer);
    return { ...toConnection(await this.useCases.ordersOf(memberId, toPageRequest(first, after))), memberId };
  }

  @Query(() => OrderType, { nullable: true, description: "The caller's order; another member's order is NOT_FOUND." })
  order(@Arg("id", () => ID) id: string, @Ctx() { viewer }: GraphQLContext): Promise<OrderRow> {
    const orderId = parseId(id, "id");
    return this.useCases.orderOf(requireMemberId(viewer), orderId);
  }

  @Mutation(() => OrderType, { description: "Places an order paid from points, all or nothing." })
  async placeOrder(
    @Arg("input", () => PlaceOrderInputType) input: PlaceOrderInputType,
    @Ctx() { viewer, loaders }: GraphQLContext,
  ): Promise<OrderRow> {
    const memberId = requireMemberId(viewer);
    const { order, items } = await this.useCases.placeOrder(memberId, {
      fromCart: input.fromCart,
      idempotencyKey: input.idempotencyKey,
      items: input.items?.map((line, index) => ({
        productId: parseId(line.productId, `items[${index}].productId`),
        optionId: line.optionId == null ? null : parseId(line.optionId, `items[${index}].optionId`),
        quantity: line.quantity,
      })),
    });
    // The lines were just written: `items` in the answer needs no read after the commit.
    loaders.itemsByOrderId.prime(order.id, items);
    return order;
  }

  @Mutation(() => OrderType, { description: "Cancels one paid line: stock back, its amount refunded." })
  cancelOrderItem(
    @Arg("orderItemId", () => ID) orderItemId: string,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<OrderRow> {
    const id = parseId(orderItemId, "orderItemId");
    return this.useCases.cancelOrderItem(requireMemberId(viewer), id);
  }

  @Mutation(() => OrderType, { description: "Cancels every line still paid." })
  cancelOrder(@Arg("orderId", () => ID) orderId: string, @Ctx() { viewer }: GraphQLContext): Promise<OrderRow> {
    const id = parseId(orderId, "orderId");
    return this.useCases.cancelOrder(requireMemberId(viewer), id);
  }

  @FieldResolver(() => [OrderItemType])
  items(@Root() order: OrderRow, @Ctx() { loaders }: GraphQLContext): Promise<OrderItemRow[]> {
    return loaders.itemsByOrderId.load(order.id);
  }

  @FieldResolver(() => [PaymentType], { description: "Points, card, or both (a mixed payment)." })
  payments(@Root() order: OrderRow, @Ctx() { loaders }: GraphQLContext): Promise<PaymentRow[]> {
    return loaders.paymentsByOrderId.load(order.id);
  }
}

@Resolver(() => OrderItemType)
export class OrderItemResolver {
  @FieldResolver(() => ProductType)
  async product(@Root() item: OrderItemRow, @Ctx() { loaders }: GraphQLContext): Promise<ProductRow> {
    return present(await loaders.productById.load(item.productId), `product ${item.productId} of an order line`);
  }

  @FieldResolver(() => ProductOptionType)
  async option(@Root() item: OrderItemRow, @Ctx() { loaders }: GraphQLContext): Promise<OptionView> {
    return present(await loaders.optionById.load(item.optionId), `option ${item.optionId} of an order line`);
  }
}

@Resolver(() => OrderConnectionType)
export class OrderConnectionResolver {
  constructor(private readonly useCases: OrderUseCases) {}

  @FieldResolver(() => Int)
  totalCount(@Root() connection: OrdersRoot): Promise<number> {
    return this.useCases.countOrdersOf(connection.memberId);
  }
}
