import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { requireMemberId } from "../../auth/viewer.js";
import type { GraphQLContext } from "../../graphql/context.js";
import { SafeInt } from "../../graphql/scalars.js";
import { parseId } from "../../shared/ids.js";
import type { OrderRow, OrderUseCases } from "../order/order.module.js";
import { OrderType } from "../order/order.types.js";
import type { CheckoutUseCases, PgClientSettings } from "./checkout.module.js";
import type { CheckoutRow } from "./checkout.repository.js";
import { CheckoutType, PgClientConfigType, StartCheckoutInputType } from "./checkout.types.js";

@Resolver(() => CheckoutType)
export class CheckoutResolver {
  constructor(
    private readonly checkouts: CheckoutUseCases,
    private readonly orders: OrderUseCases,
  ) {}

  @Query(() => CheckoutType, { nullable: true, description: "The caller's checkout; another member's is NOT_FOUND." })
  checkout(@Arg("id", () => ID) id: string, @Ctx() { viewer }: GraphQLContext): Promise<CheckoutRow> {
    const checkoutId = parseId(id, "id");
    return this.checkouts.checkoutOf(requireMemberId(viewer), checkoutId);
  }

  @Query(() => PgClientConfigType, { description: "The PG's client key and SDK, for the storefront's payment page." })
  pgClientConfig(): PgClientSettings {
    return this.checkouts.pgClientConfig();
  }

  @Mutation(() => CheckoutType, {
    description:
      "Reserves the items' stock (and the points of a mixed payment) until expiresAt; then open the PG's window.",
  })
  startCheckout(
    @Arg("input", () => StartCheckoutInputType) input: StartCheckoutInputType,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<CheckoutRow> {
    const memberId = requireMemberId(viewer);
    return this.checkouts.startCheckout(memberId, {
      fromCart: input.fromCart,
      pointAmount: input.pointAmount,
      idempotencyKey: input.idempotencyKey,
      items: input.items?.map((line, index) => ({
        productId: parseId(line.productId, `items[${index}].productId`),
        optionId: line.optionId == null ? null : parseId(line.optionId, `items[${index}].optionId`),
        quantity: line.quantity,
      })),
    });
  }

  @Mutation(() => CheckoutType, {
    description:
      "The PG's success redirect: confirms the payment with the PG and makes the order. Safe to repeat; CONFIRMING means the PG's answer is awaited (poll checkout).",
  })
  confirmPayment(
    @Arg("paymentKey") paymentKey: string,
    @Arg("pgOrderId") pgOrderId: string,
    @Arg("amount", () => SafeInt) amount: number,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<CheckoutRow> {
    return this.checkouts.confirmPayment(requireMemberId(viewer), { paymentKey, pgOrderId, amount });
  }

  @Mutation(() => CheckoutType, { description: "The PG's fail redirect: releases the reservation at once." })
  abandonCheckout(
    @Arg("pgOrderId") pgOrderId: string,
    @Arg("code", () => String, { nullable: true }) code: string | null,
    @Arg("message", () => String, { nullable: true }) message: string | null,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<CheckoutRow> {
    return this.checkouts.abandonCheckout(requireMemberId(viewer), { pgOrderId, code, message });
  }

  @FieldResolver(() => OrderType, { nullable: true, description: "The order, once PAID." })
  async order(@Root() checkout: CheckoutRow): Promise<OrderRow | null> {
    return checkout.orderId === null ? null : this.orders.orderOf(checkout.memberId, checkout.orderId);
  }
}
