import type { Tx } from "../../db/client.js";
import { insertWallet } from "./point.repository.js";

/** Point balances: one wallet row per member, a ledger entry for every change. */
export class PointService {
  /** Opens the member's empty wallet inside the sign-up transaction. */
  openWallet(tx: Tx, memberId: number): Promise<void> {
    return insertWallet(tx, memberId);
  }
}
