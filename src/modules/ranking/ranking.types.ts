import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("PopularProduct")
export class PopularProductType {
  @Field(() => Int, { description: "1 for the best seller." })
  rank: number;

  @Field(() => Int, { description: "Units sold in the window, cancelled lines excluded." })
  soldQuantity: number;
  // `product` is a field resolver, batched through a DataLoader.
}
