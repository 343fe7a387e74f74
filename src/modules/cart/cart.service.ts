import type { Db, Tx } from "../../db/client.js";
import { runInTransaction } from "../../db/transaction.js";
import { notFound } from "../../shared/errors.js";
import { ensureInStock, pickOption } from "../catalog/catalog.rules.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import {
  deleteCartItems,
  insertCart,
  insertCartItem,
  listCartItems,
  listCartItemsOfMember,
  lockCart,
  setCartItemQuantity,
  type CartItemRow,
} from "./cart.repository.js";
import { ensureRoomForNewLine, mergedLineQuantity, validateLineQuantity } from "./cart.rules.js";
import { present } from "../../shared/present.js";

export interface AddCartItem {
  productId: number;
  optionId: number | null;
  quantity: number;
}

// Each use case locks the cart row first and decides on what it then reads; READ COMMITTED reads the
// latest committed lines and stock, which is what "stock at the moment it is added" means.
const CART_TX = { isolationLevel: "read committed" } as const;

/** The member's cart: lines of options, checked against stock when added or changed. */
export class CartService {
  constructor(
    private readonly db: Db,
    private readonly catalog: CatalogService,
  ) {}

  /** Opens the member's empty cart inside the sign-up transaction. */
  openCart(tx: Tx, memberId: number): Promise<void> {
    return insertCart(tx, memberId);
  }

  itemsOf(memberId: number): Promise<CartItemRow[]> {
    return listCartItemsOfMember(this.db, memberId);
  }

  /** Adds units of an option; a line of the same option grows instead of a second line appearing. */
  async addItem(memberId: number, input: AddCartItem): Promise<void> {
    validateLineQuantity(input.quantity);
    await runInTransaction(
      this.db,
      async (tx) => {
        const cartId = await lockCart(tx, memberId);
        const option = pickOption(
          input.productId,
          await this.catalog.optionsOfProduct(tx, input.productId),
          input.optionId,
        );
        const lines = await listCartItems(tx, cartId);
        const existing = lines.find((line) => line.optionId === option.id);
        if (!existing) ensureRoomForNewLine(lines.length);
        const quantity = mergedLineQuantity(existing?.quantity ?? 0, input.quantity);
        ensureInStock(option, quantity);
        if (existing) await setCartItemQuantity(tx, existing.id, quantity);
        else await insertCartItem(tx, { cartId, productId: option.productId, optionId: option.id, quantity });
      },
      CART_TX,
    );
  }

  /** Sets a line's quantity; 0 removes the line. */
  async updateItem(memberId: number, cartItemId: number, quantity: number): Promise<void> {
    validateLineQuantity(quantity, true);
    await runInTransaction(
      this.db,
      async (tx) => {
        const cartId = await lockCart(tx, memberId);
        const line = await this.lineOf(tx, cartId, cartItemId);
        if (quantity === 0) return deleteCartItems(tx, cartId, [line.id]);
        const [option] = await this.catalog.optionsByIds(tx, [line.optionId]);
        ensureInStock(present(option, `option ${line.optionId}`), quantity);
        await setCartItemQuantity(tx, line.id, quantity);
      },
      CART_TX,
    );
  }

  async removeItem(memberId: number, cartItemId: number): Promise<void> {
    await runInTransaction(
      this.db,
      async (tx) => {
        const cartId = await lockCart(tx, memberId);
        await deleteCartItems(tx, cartId, [(await this.lineOf(tx, cartId, cartItemId)).id]);
      },
      CART_TX,
    );
  }

  async clear(memberId: number): Promise<void> {
    await runInTransaction(this.db, async (tx) => deleteCartItems(tx, await lockCart(tx, memberId)), CART_TX);
  }

  /** Inside an order's transaction: locks the cart and returns its lines, for ordering "from the cart". */
  async lockLinesForOrder(tx: Tx, memberId: number): Promise<{ cartId: number; lines: CartItemRow[] }> {
    const cartId = await lockCart(tx, memberId);
    return { cartId, lines: await listCartItems(tx, cartId) };
  }

  /** Inside an order's transaction: removes the lines that were ordered. */
  removeOrderedLines(tx: Tx, cartId: number, lineIds: readonly number[]): Promise<void> {
    return deleteCartItems(tx, cartId, lineIds);
  }

  /**
   * Inside the transaction that makes a checkout from the cart an order: the cart lines of the options
   * bought leave the cart (whatever their quantity now: the buyer bought that option).
   */
  async removeBoughtOptions(tx: Tx, memberId: number, optionIds: readonly number[]): Promise<void> {
    const cartId = await lockCart(tx, memberId);
    const bought = new Set(optionIds);
    const lines = (await listCartItems(tx, cartId)).filter((line) => bought.has(line.optionId));
    await deleteCartItems(
      tx,
      cartId,
      lines.map((line) => line.id),
    );
  }

  /** Another member's line is NOT_FOUND, exactly like a line that does not exist. */
  private async lineOf(tx: Tx, cartId: number, cartItemId: number): Promise<CartItemRow> {
    const line = (await listCartItems(tx, cartId)).find((candidate) => candidate.id === cartItemId);
    if (!line) throw notFound("cart item", cartItemId);
    return line;
  }
}
