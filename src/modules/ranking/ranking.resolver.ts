import { Args, ArgsType, Ctx, Field, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../../graphql/context.js";
import { ProductType } from "../catalog/catalog.types.js";
import type { RankingService } from "./ranking.service.js";
import { PopularProductType } from "./ranking.types.js";
import { present } from "../../shared/present.js";
import type { ProductRow } from "../catalog/catalog.service.js";

interface PopularRoot {
  rank: number;
  soldQuantity: number;
  productId: number;
}

@ArgsType()
class PopularProductsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 3, description: "1 to 7 calendar days, today included." })
  days: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 5, description: "1 to 20." })
  limit: number | null;
}

@Resolver(() => PopularProductType)
export class RankingResolver {
  constructor(private readonly ranking: RankingService) {}

  @Query(() => [PopularProductType], {
    description:
      "Best sellers by units over the last `days` calendar days including today (1..7), top `limit` (1..20), ties by product id.",
  })
  async popularProducts(@Args(() => PopularProductsArgs) { days, limit }: PopularProductsArgs): Promise<PopularRoot[]> {
    const top = await this.ranking.popular(days ?? 3, limit ?? 5);
    return top.map((entry, index) => ({ rank: index + 1, ...entry }));
  }

  @FieldResolver(() => ProductType)
  async product(@Root() entry: PopularRoot, @Ctx() { loaders }: GraphQLContext): Promise<ProductRow> {
    return present(await loaders.productById.load(entry.productId), `ranked product ${entry.productId}`);
  }
}
