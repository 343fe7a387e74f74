import { Field, ID, InputType, Int, ObjectType } from "type-graphql";

@ObjectType("CartItem", { description: "A cart line; prices are current, not fixed when added." })
export class CartItemType {
  @Field(() => ID)
  id: number;

  @Field(() => Int)
  quantity: number;
  // `product`, `option` and `lineTotal` are field resolvers, batched through DataLoaders.
}

@ObjectType("Cart")
export class CartType {
  @Field(() => [CartItemType])
  items: CartItemType[];
  // `totalQuantity` and `totalAmount` are field resolvers over the current prices.
}

@InputType("AddCartItemInput")
export class AddCartItemInputType {
  @Field(() => ID)
  productId: string;

  @Field(() => ID, { nullable: true, description: "May be left out when the product has exactly one option." })
  optionId?: string | null;

  @Field(() => Int, { description: "1 to 1000; added to the line of the same option if there is one." })
  quantity: number;
}
