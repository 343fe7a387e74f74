import { and, asc, eq, inArray } from "drizzle-orm";
import type { Executor, Tx } from "../../db/client.js";
import { cart, cartItem } from "../../db/schema/index.js";

export type CartItemRow = typeof cartItem.$inferSelect;

export async function insertCart(tx: Executor, memberId: number): Promise<void> {
  await tx.insert(cart).values({ memberId });
}

/** Locks the member's cart row: a member's cart changes one at a time, so lines never race. */
export async function lockCart(tx: Tx, memberId: number): Promise<number> {
  const rows = await tx.select({ id: cart.id }).from(cart).where(eq(cart.memberId, memberId)).for("update");
  if (!rows[0]) throw new Error(`member ${memberId} has no cart`);
  return rows[0].id;
}

export function listCartItemsOfMember(executor: Executor, memberId: number): Promise<CartItemRow[]> {
  return executor
    .select({
      id: cartItem.id,
      cartId: cartItem.cartId,
      productId: cartItem.productId,
      optionId: cartItem.optionId,
      quantity: cartItem.quantity,
      createdAt: cartItem.createdAt,
      updatedAt: cartItem.updatedAt,
    })
    .from(cartItem)
    .innerJoin(cart, eq(cart.id, cartItem.cartId))
    .where(eq(cart.memberId, memberId))
    .orderBy(asc(cartItem.id));
}

export function listCartItems(executor: Executor, cartId: number): Promise<CartItemRow[]> {
  return executor.select().from(cartItem).where(eq(cartItem.cartId, cartId)).orderBy(asc(cartItem.id));
}

export async function insertCartItem(
  tx: Tx,
  values: { cartId: number; productId: number; optionId: number; quantity: number },
): Promise<void> {
  await tx.insert(cartItem).values(values);
}

export async function setCartItemQuantity(tx: Tx, id: number, quantity: number): Promise<void> {
  await tx.update(cartItem).set({ quantity }).where(eq(cartItem.id, id));
}

export async function deleteCartItems(tx: Executor, cartId: number, ids?: readonly number[]): Promise<void> {
  if (ids?.length === 0) return;
  await tx.delete(cartItem).where(and(eq(cartItem.cartId, cartId), ids ? inArray(cartItem.id, [...ids]) : undefined));
}
