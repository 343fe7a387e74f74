import { isObjectType, type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from "graphql";
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Info,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import type { AdminCheck } from "../../auth/admin-check.js";
import type { GraphQLContext } from "../../graphql/context.js";
import { selectsAny } from "../../graphql/selection.js";
import { PageArgs, toConnection, type ConnectionParts } from "../../graphql/connection.js";
import { parseId } from "../../shared/ids.js";
import { toPageRequest } from "../../shared/pagination.js";
import type { OptionView, ProductRow } from "./catalog.repository.js";
import { totalStock } from "./catalog.rules.js";
import type { CatalogService, ListedProduct } from "./catalog.service.js";
import { CreateProductInputType, ProductConnectionType, ProductOptionType, ProductType } from "./catalog.types.js";

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
    private readonly admins: AdminCheck,
  ) {}

  @Query(() => ProductConnectionType, { description: "Listed products, newest first." })
  async products(
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionParts<ListedProduct>> {
    // When the page shows options or stock they come with it, in the one statement the DataLoader
    // would have sent, so those fields then resolve without a promise per product.
    const withOptions =
      selectsAny(info, ["nodes"], OPTION_FIELDS) || selectsAny(info, ["edges", "node"], OPTION_FIELDS);
    return toConnection(await this.catalog.listProducts(toPageRequest(first, after), { withOptions }));
  }

  @Query(() => ProductType, { nullable: true, description: "Null when no listed product has this id." })
  async product(@Arg("id", () => ID) id: string, @Ctx() { loaders }: GraphQLContext): Promise<ProductRow | null> {
    const found = await loaders.productById.load(parseId(id, "id"));
    return found?.deletedAt === null ? found : null;
  }

  @Mutation(() => ProductType, { description: "ADMIN only." })
  async createProduct(
    @Arg("input", () => CreateProductInputType) input: CreateProductInputType,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<ProductRow> {
    await this.admins.requireAdmin(viewer);
    return this.catalog.createProduct(input);
  }

  @Mutation(() => ProductOptionType, { description: "ADMIN only. Adds `quantity` (> 0) units to the option's stock." })
  async restock(
    @Args(() => RestockArgs) { optionId, quantity }: RestockArgs,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<OptionView> {
    const id = parseId(optionId, "optionId");
    await this.admins.requireAdmin(viewer);
    return this.catalog.restock(id, quantity);
  }
}

/** Product fields that need the product's options. */
const OPTION_FIELDS = ["options", "stock"] as const;

const stockOf = (options: readonly OptionView[]): number => totalStock(options.map((option) => option.stock));

/** Options come with a products page (ListedProduct); other parents (an order line, a cart line) batch them per request. */
@Resolver(() => ProductType)
export class ProductFieldsResolver {
  @FieldResolver(() => [ProductOptionType])
  options(@Root() product: ListedProduct, @Ctx() context: GraphQLContext): OptionView[] | Promise<OptionView[]> {
    return product.options ?? context.loaders.optionsByProductId.load(product.id);
  }

  @FieldResolver(() => Int, { description: "Sum of the options' stock." })
  stock(@Root() product: ListedProduct, @Ctx() context: GraphQLContext): number | Promise<number> {
    return product.options
      ? stockOf(product.options)
      : context.loaders.optionsByProductId.load(product.id).then(stockOf);
  }
}

const withOptions = (source: unknown): OptionView[] | undefined =>
  typeof source === "object" && source !== null ? (source as ListedProduct).options : undefined;

/**
 * Product.options and Product.stock answered straight from a product that came with its options (a
 * products page), ahead of type-graphql's resolver wrapper: a resolver-data object, parameter
 * resolution and a middleware pass per call, twice per product on every page. Other products go on
 * to ProductFieldsResolver as before. This holds while no type-graphql middleware or auth checker is
 * registered (buildGraphQLSchema registers none); one would have to see these calls too.
 */
export function answerListedProductOptions(schema: GraphQLSchema): void {
  const product = schema.getType("Product");
  if (!isObjectType(product)) throw new Error("the schema has no Product type");
  const fields = product.getFields();
  const preferListed = (
    name: (typeof OPTION_FIELDS)[number],
    fromOptions: (options: OptionView[]) => unknown,
  ): void => {
    const field = fields[name];
    const resolve: GraphQLFieldResolver<unknown, unknown> | undefined = field?.resolve;
    if (!field || !resolve) throw new Error(`Product.${name} has no resolver`);
    field.resolve = (source, args, context, info) => {
      const options = withOptions(source);
      return options ? fromOptions(options) : resolve(source, args, context, info);
    };
  };
  preferListed("options", (options) => options);
  preferListed("stock", stockOf);
}

@Resolver(() => ProductConnectionType)
export class ProductConnectionResolver {
  constructor(private readonly catalog: CatalogService) {}

  @FieldResolver(() => Int, { description: "Listed products in all pages." })
  totalCount(): Promise<number> {
    return this.catalog.countProducts();
  }
}
