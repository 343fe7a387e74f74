import type { Tx } from "../../db/client.js";
import { insertCart } from "./cart.repository.js";

/** The member's cart. */
export class CartService {
  /** Opens the member's empty cart inside the sign-up transaction. */
  openCart(tx: Tx, memberId: number): Promise<void> {
    return insertCart(tx, memberId);
  }
}
