import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { PageInfoType, type Edge } from "../../graphql/connection.js";
import { SafeInt } from "../../graphql/scalars.js";

// simpleResolvers: these fields are plain properties with no middleware or auth, so graphql-js's
// default resolver reads them. type-graphql would otherwise wrap each in a resolver of its own,
// run for every field of every product on a page (the products page is ~250 of them).

@ObjectType("ProductOption", {
  description: "A variant (SKU) of a product, with its own stock.",
  simpleResolvers: true,
})
export class ProductOptionType {
  @Field(() => ID)
  id: number;

  @Field()
  name: string;

  @Field(() => SafeInt)
  additionalPrice: number;

  @Field(() => SafeInt, { description: "Product price + additionalPrice." })
  price: number;

  @Field(() => Int, { description: "Units in stock now, read from the database at query time." })
  stock: number;
}

@ObjectType("Product", { simpleResolvers: true })
export class ProductType {
  @Field(() => ID)
  id: number;

  @Field()
  name: string;

  @Field(() => SafeInt)
  price: number;
  // `stock` and `options` are field resolvers (ProductFieldsResolver), batched through DataLoaders.
}

@ObjectType("ProductEdge", { simpleResolvers: true })
export class ProductEdgeType implements Edge<ProductType> {
  @Field()
  cursor: string;

  @Field(() => ProductType)
  node: ProductType;
}

@ObjectType("ProductConnection", { simpleResolvers: true })
export class ProductConnectionType {
  @Field(() => [ProductEdgeType])
  edges: ProductEdgeType[];

  @Field(() => [ProductType])
  nodes: ProductType[];

  @Field(() => PageInfoType)
  pageInfo: PageInfoType;
  // `totalCount` is a field resolver: the COUNT runs only when a client asks for it.
}

@InputType("CreateProductOptionInput")
export class CreateProductOptionInputType {
  @Field()
  name: string;

  @Field(() => SafeInt, {
    description: "Added to the product price; may be negative while the option price stays >= 0.",
  })
  additionalPrice: number;

  @Field(() => Int)
  stock: number;
}

@InputType("CreateProductInput")
export class CreateProductInputType {
  @Field()
  name: string;

  @Field(() => SafeInt)
  price: number;

  @Field(() => Int, { nullable: true, description: "Stock of the default option, when `options` is not given." })
  stock?: number | null;

  @Field(() => [CreateProductOptionInputType], { nullable: true })
  options?: CreateProductOptionInputType[] | null;
}
