import type { Executor } from "../../db/client.js";
import { pointWallet } from "../../db/schema/index.js";

/** The wallet row exists from sign-up on, so every balance change has a row to lock. */
export async function insertWallet(tx: Executor, memberId: number): Promise<void> {
  await tx.insert(pointWallet).values({ memberId, balance: 0 });
}
