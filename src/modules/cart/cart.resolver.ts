import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../../graphql/context.js";
import { SafeInt } from "../../graphql/scalars.js";
import { parseId } from "../../shared/ids.js";
import { ProductOptionType, ProductType } from "../catalog/catalog.types.js";
import { requireMemberId } from "../../auth/viewer.js";
import type { CartItemRow } from "./cart.repository.js";
import { cartTotals, lineTotal } from "./cart.rules.js";
import type { CartService } from "./cart.service.js";
import { AddCartItemInputType, CartItemType, CartType } from "./cart.types.js";
import { present } from "../../shared/present.js";
import type { OptionView, ProductRow } from "../catalog/catalog.service.js";

interface CartRoot {
  items: CartItemRow[];
}

@Resolver(() => CartType)
export class CartResolver {
  constructor(private readonly carts: CartService) {}

  @Query(() => CartType, { description: "The caller's cart." })
  cart(@Ctx() { viewer }: GraphQLContext): Promise<CartRoot> {
    return this.cartOf(requireMemberId(viewer));
  }

  @Mutation(() => CartType)
  async addCartItem(
    @Arg("input", () => AddCartItemInputType) input: AddCartItemInputType,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<CartRoot> {
    const memberId = requireMemberId(viewer);
    await this.carts.addItem(memberId, {
      productId: parseId(input.productId, "productId"),
      optionId: input.optionId == null ? null : parseId(input.optionId, "optionId"),
      quantity: input.quantity,
    });
    return this.cartOf(memberId);
  }

  @Mutation(() => CartType, { description: "Sets the line's quantity; 0 removes the line." })
  async updateCartItem(
    @Arg("cartItemId", () => ID) cartItemId: string,
    @Arg("quantity", () => Int) quantity: number,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<CartRoot> {
    const memberId = requireMemberId(viewer);
    await this.carts.updateItem(memberId, parseId(cartItemId, "cartItemId"), quantity);
    return this.cartOf(memberId);
  }

  @Mutation(() => CartType)
  async removeCartItem(
    @Arg("cartItemId", () => ID) cartItemId: string,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<CartRoot> {
    const memberId = requireMemberId(viewer);
    await this.carts.removeItem(memberId, parseId(cartItemId, "cartItemId"));
    return this.cartOf(memberId);
  }

  @Mutation(() => CartType)
  async clearCart(@Ctx() { viewer }: GraphQLContext): Promise<CartRoot> {
    const memberId = requireMemberId(viewer);
    await this.carts.clear(memberId);
    return this.cartOf(memberId);
  }

  @FieldResolver(() => Int)
  totalQuantity(@Root() cart: CartRoot): number {
    return cart.items.reduce((sum, line) => sum + line.quantity, 0);
  }

  @FieldResolver(() => SafeInt, { description: "Sum of the lines at current prices." })
  async totalAmount(@Root() cart: CartRoot, @Ctx() { loaders }: GraphQLContext): Promise<number> {
    const options = await loaders.optionById.loadMany(cart.items.map((line) => line.optionId));
    const lines = cart.items.map((line, index) => ({ unitPrice: priceOf(options[index]), quantity: line.quantity }));
    return cartTotals(lines).totalAmount;
  }

  private async cartOf(memberId: number): Promise<CartRoot> {
    return { items: await this.carts.itemsOf(memberId) };
  }
}

@Resolver(() => CartItemType)
export class CartItemResolver {
  @FieldResolver(() => ProductType)
  async product(@Root() line: CartItemRow, @Ctx() { loaders }: GraphQLContext): Promise<ProductRow> {
    return present(await loaders.productById.load(line.productId), `product ${line.productId} of a cart line`);
  }

  @FieldResolver(() => ProductOptionType)
  async option(@Root() line: CartItemRow, @Ctx() { loaders }: GraphQLContext): Promise<OptionView> {
    return present(await loaders.optionById.load(line.optionId), `option ${line.optionId} of a cart line`);
  }

  @FieldResolver(() => SafeInt, { description: "Current unit price x quantity." })
  async lineTotal(@Root() line: CartItemRow, @Ctx() { loaders }: GraphQLContext): Promise<number> {
    return lineTotal(priceOf(await loaders.optionById.load(line.optionId)), line.quantity);
  }
}

/** Cart lines reference options by foreign key, so a missing option is a broken database, not user input. */
function priceOf(option: OptionView | Error | null | undefined): number {
  if (!option || option instanceof Error)
    throw option instanceof Error ? option : new Error("cart line without its option");
  return option.price;
}
