import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../../graphql/context.js";
import { PageArgs, toConnection, type ConnectionParts } from "../../graphql/connection.js";
import { parseId } from "../../shared/ids.js";
import { toPageRequest } from "../../shared/pagination.js";
import type { MemberService } from "../member/member.service.js";
import type { OptionView, ProductRow } from "./catalog.repository.js";
import { totalStock } from "./catalog.rules.js";
import type { CatalogService } from "./catalog.service.js";
import {
  CreateProductInputType,
  ProductConnectionType,
  ProductOptionType,
  ProductType,
} from "./catalog.types.js";

@ArgsType()
class RestockArgs {
  @Field(() => ID)
  optionId: string;

  @Field(() => Int, { description: "Units to add, > 0." })
  quantity: number;
}

@Resolver()
export class CatalogResolver {
  constructor(
    private readonly catalog: CatalogService,
    private readonly members: MemberService,
  ) {}

  @Query(() => ProductConnectionType, { description: "Listed products, newest first." })
  async products(@Args(() => PageArgs) { first, after }: PageArgs): Promise<ConnectionParts<ProductRow>> {
    return toConnection(await this.catalog.listProducts(toPageRequest(first, after)));
  }

  @Query(() => ProductType, { nullable: true, description: "Null when no listed product has this id." })
  async product(@Arg("id", () => ID) id: string, @Ctx() { loaders }: GraphQLContext): Promise<ProductRow | null> {
    const found = await loaders.productById.load(parseId(id, "id"));
    return found && found.deletedAt === null ? found : null;
  }

  @Mutation(() => ProductType, { description: "ADMIN only." })
  async createProduct(
    @Arg("input", () => CreateProductInputType) input: CreateProductInputType,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<ProductRow> {
    await this.members.requireAdmin(viewer);
    return this.catalog.createProduct(input);
  }

  @Mutation(() => ProductOptionType, { description: "ADMIN only. Adds `quantity` (> 0) units to the option's stock." })
  async restock(@Args(() => RestockArgs) { optionId, quantity }: RestockArgs, @Ctx() { viewer }: GraphQLContext): Promise<OptionView> {
    const id = parseId(optionId, "optionId");
    await this.members.requireAdmin(viewer);
    return this.catalog.restock(id, quantity);
  }
}

@Resolver(() => ProductType)
export class ProductFieldsResolver {
  @FieldResolver(() => [ProductOptionType])
  options(@Root() product: ProductRow, @Ctx() { loaders }: GraphQLContext): Promise<OptionView[]> {
    return loaders.optionsByProductId.load(product.id);
  }

  @FieldResolver(() => Int, { description: "Sum of the options' stock." })
  async stock(@Root() product: ProductRow, @Ctx() { loaders }: GraphQLContext): Promise<number> {
    const options = await loaders.optionsByProductId.load(product.id);
    return totalStock(options.map((option) => option.stock));
  }
}

@Resolver(() => ProductConnectionType)
export class ProductConnectionResolver {
  constructor(private readonly catalog: CatalogService) {}

  @FieldResolver(() => Int, { description: "Listed products in all pages." })
  totalCount(): Promise<number> {
    return this.catalog.countProducts();
  }
}
