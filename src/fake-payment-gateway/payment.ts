/**
 * The Payment object as Toss Payments v1 answers it, cut down to what a card payment needs. Fields
 * the fake cannot fill truthfully (card company, receipt URL, ...) are left out rather than faked.
 */

export type PaymentStatus = "IN_PROGRESS" | "DONE" | "PARTIAL_CANCELED" | "CANCELED" | "EXPIRED" | "ABORTED";

/** The statuses in which money was captured at some point: an orderId holding one is used up. */
export const CAPTURED_STATUSES: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>([
  "DONE",
  "PARTIAL_CANCELED",
  "CANCELED",
]);

export interface Cancel {
  transactionKey: string;
  cancelReason: string;
  cancelAmount: number;
  /** What was left to cancel after this one. */
  refundableAmount: number;
  cancelStatus: "DONE";
  canceledAt: string;
}

export interface Payment {
  /** The API version whose shape this is (Toss's `version` field). */
  version: "2022-11-16";
  paymentKey: string;
  orderId: string;
  orderName: string;
  status: PaymentStatus;
  totalAmount: number;
  balanceAmount: number;
  currency: "KRW";
  method: "CARD";
  requestedAt: string;
  approvedAt: string | null;
  /** The key of the latest approval or cancel; null until confirmed. */
  lastTransactionKey: string | null;
  cancels: Cancel[];
}

const KST_OFFSET_MS = 9 * 3600 * 1000;

/**
 * A time as Toss writes it: ISO 8601 to the second, in Korean time with its offset
 * (`2024-02-13T12:18:14+09:00`). Not UTC's `Z`, so a client that parses times by hand is caught here
 * rather than against the real PG.
 */
export function tossTime(date: Date): string {
  return `${new Date(date.getTime() + KST_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;
}
