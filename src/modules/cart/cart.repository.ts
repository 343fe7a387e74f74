import type { Executor } from "../../db/client.js";
import { cart } from "../../db/schema/index.js";

export async function insertCart(tx: Executor, memberId: number): Promise<void> {
  await tx.insert(cart).values({ memberId });
}
