import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, SafeInt } from "../../graphql/scalars.js";
import { OrderLineInputType } from "../order/order.types.js";
import type { CheckoutStatus } from "./checkout.rules.js";

const CheckoutStatusEnum = {
  PENDING: "PENDING",
  CONFIRMING: "CONFIRMING",
  PAID: "PAID",
  FAILED: "FAILED",
  EXPIRED: "EXPIRED",
  REFUNDED: "REFUNDED",
} as const satisfies Record<CheckoutStatus, CheckoutStatus>;
registerEnumType(CheckoutStatusEnum, {
  name: "CheckoutStatus",
  description:
    "PENDING → CONFIRMING → PAID | FAILED | REFUNDED; PENDING → FAILED (abandoned) | EXPIRED (reservation lapsed).",
});

@ObjectType("Checkout", {
  description:
    "A purchase paid by card through the PG (and points, when mixed): its stock and points are reserved until expiresAt.",
})
export class CheckoutType {
  @Field(() => ID)
  id: number;

  @Field({ description: "Hand it to the PG's SDK as orderId: unguessable, 6 to 64 characters of [A-Za-z0-9_-]." })
  pgOrderId: string;

  @Field({ description: 'What the PG window shows, e.g. "Kimbap and 2 more".' })
  orderName: string;

  @Field(() => SafeInt, { description: "Paid through the PG (CARD)." })
  amount: number;

  @Field(() => SafeInt, { description: "Paid from points; amount + pointAmount is the order's total." })
  pointAmount: number;

  @Field(() => CheckoutStatusEnum)
  status: CheckoutStatus;

  @Field(() => DateTime, { description: "When the reservation ends unless the payment is confirmed." })
  expiresAt: Date;

  @Field(() => String, {
    nullable: true,
    description:
      "Why it failed or was refunded: the PG's code (REJECT_CARD_PAYMENT, PAY_PROCESS_CANCELED...) or the shop's (EXPIRED, OUT_OF_STOCK, AMOUNT_MISMATCH_REFUNDED...).",
  })
  failureCode: string | null;

  @Field(() => String, { nullable: true, description: "The PG's message with failureCode, when it gave one." })
  failureMessage: string | null;
  // `order` is a field resolver: the order once PAID.
}

@ObjectType("PgClientConfig", { description: "What the storefront needs to open the PG's payment window." })
export class PgClientConfigType {
  @Field({ description: "The PG's client key, public by design." })
  clientKey: string;

  @Field({ description: "The PG's JavaScript SDK to load in the page." })
  sdkUrl: string;

  @Field({ description: "Where the PG sends the buyer after paying (the storefront calls confirmPayment there)." })
  successUrl: string;

  @Field({
    description: "Where the PG sends the buyer who left the window (the storefront calls abandonCheckout there).",
  })
  failUrl: string;
}

@InputType("StartCheckoutInput", { description: "Exactly one of items or fromCart: true, as for placeOrder." })
export class StartCheckoutInputType {
  @Field(() => [OrderLineInputType], {
    nullable: true,
    description: "1 to 100 lines; lines of the same option are merged.",
  })
  items?: OrderLineInputType[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Check out every line of the cart; they leave the cart once paid.",
  })
  fromCart?: boolean | null;

  @Field(() => SafeInt, {
    nullable: true,
    description: "Points to pay with (held until expiresAt); the rest, at least 1 won, goes through the PG. Default 0.",
  })
  pointAmount?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "1 to 255 characters, kept 48 h: a repeat returns the first checkout.",
  })
  idempotencyKey?: string | null;
}
