import { PgError } from "./pg-error.js";
import { CAPTURED_STATUSES, type Cancel, type Payment, type PaymentStatus, tossTime } from "./payment.js";

/**
 * The fake's ledger: every payment session and the rules of its life, kept apart from HTTP so each
 * rule reads as one method. Node runs one callback at a time and no method here awaits, so each is
 * atomic: two confirms of one payment can never both see it IN_PROGRESS.
 *
 * Expiry is lazy: a session past its confirm window turns EXPIRED when anything looks at it (or at
 * all of them, `expireDue`), never on a timer, so a moved clock (`advanceClock`, an injected `now`)
 * takes effect at once, with no timer to wait for.
 */

interface PaymentRecord {
  paymentKey: string;
  orderId: string;
  orderName: string;
  status: PaymentStatus;
  totalAmount: number;
  balanceAmount: number;
  requestedAt: Date;
  approvedAt: Date | null;
  lastTransactionKey: string | null;
  cancels: Cancel[];
}

export interface PaymentsStoreOptions {
  now: () => Date;
  confirmWindowSeconds: number;
  randomBytes: (size: number) => Buffer;
  /** Told of every change of a payment (status, balance), after it is made. */
  onChange: (payment: Payment) => void;
}

export class PaymentsStore {
  private readonly byKey = new Map<string, PaymentRecord>();
  /** Every session of an orderId, oldest first: two browser tabs may pay one order. */
  private readonly byOrderId = new Map<string, PaymentRecord[]>();
  /** The sessions that may still expire, so a sweep need not walk every payment ever made. */
  private readonly inProgress = new Set<PaymentRecord>();

  constructor(private readonly options: PaymentsStoreOptions) {}

  /** The buyer paid in the window: a new session, IN_PROGRESS until confirmed or expired. */
  authenticate(input: { orderId: string; orderName: string; amount: number }): Payment {
    this.expireDue();
    if (this.capturedFor(input.orderId) !== undefined)
      throw PgError.of("DUPLICATED_ORDER_ID", "this orderId was already paid; start a new order");
    // 18 random bytes are 24 url-safe characters: unguessable, like a real paymentKey.
    const paymentKey = `fpk_${this.options.randomBytes(18).toString("base64url")}`;
    const record: PaymentRecord = {
      paymentKey,
      orderId: input.orderId,
      orderName: input.orderName,
      status: "IN_PROGRESS",
      totalAmount: input.amount,
      balanceAmount: input.amount,
      requestedAt: this.options.now(),
      approvedAt: null,
      lastTransactionKey: null,
      cancels: [],
    };
    this.byKey.set(paymentKey, record);
    this.byOrderId.set(input.orderId, [...(this.byOrderId.get(input.orderId) ?? []), record]);
    this.inProgress.add(record);
    return view(record);
  }

  find(paymentKey: string): Payment | undefined {
    const record = this.byKey.get(paymentKey);
    if (record === undefined) return undefined;
    this.expireIfDue(record);
    return view(record);
  }

  /** The session that took the money if one did, else the latest one, as Toss answers by orderId. */
  findByOrderId(orderId: string): Payment | undefined {
    this.expireDue();
    const record = this.capturedFor(orderId) ?? this.byOrderId.get(orderId)?.at(-1);
    return record === undefined ? undefined : view(record);
  }

  /** Approves an authenticated session (or declines it, when told to), checking it is the one meant. */
  confirm(
    input: { paymentKey: string; orderId: string; amount: number },
    decline: { code: string; message: string } | null,
  ): Payment {
    const record = this.byKey.get(input.paymentKey);
    if (record === undefined) throw PgError.of("NOT_FOUND_PAYMENT", "no payment has this paymentKey");
    this.expireIfDue(record);
    if (record.orderId !== input.orderId)
      throw PgError.of("INVALID_REQUEST", "orderId does not match the payment's orderId");
    switch (record.status) {
      case "IN_PROGRESS":
        break;
      case "EXPIRED":
        throw PgError.of("NOT_FOUND_PAYMENT_SESSION", "the payment session expired before it was confirmed");
      case "ABORTED":
        throw PgError.of("ALREADY_PROCESSED_PAYMENT", "the payment was already processed: it was declined");
      case "DONE":
      case "PARTIAL_CANCELED":
      case "CANCELED":
        throw PgError.of("ALREADY_PROCESSED_PAYMENT", "the payment was already processed: it was approved");
    }
    if (record.totalAmount !== input.amount)
      throw PgError.of("INVALID_REQUEST", "amount mismatch: the amount differs from the amount paid in the window");
    // Another tab's session of the same order was approved first: approving this one too would
    // charge the buyer twice for one order.
    if (this.capturedFor(record.orderId) !== undefined)
      throw PgError.of("DUPLICATED_ORDER_ID", "another payment of this orderId was already approved");

    this.inProgress.delete(record);
    if (decline !== null) {
      this.change(record, { status: "ABORTED" });
      throw new PgError(400, decline.code, decline.message);
    }
    return this.change(record, {
      status: "DONE",
      approvedAt: this.options.now(),
      lastTransactionKey: this.transactionKey(),
    });
  }

  /** Refunds all of what is left, or `cancelAmount` of it, of an approved payment. */
  cancel(paymentKey: string, input: { cancelReason: string; cancelAmount: number | null }): Payment {
    const record = this.byKey.get(paymentKey);
    if (record === undefined) throw PgError.of("NOT_FOUND_PAYMENT", "no payment has this paymentKey");
    this.expireIfDue(record);
    if (record.status === "CANCELED")
      throw PgError.of("ALREADY_CANCELED_PAYMENT", "the payment was already canceled in full");
    if (record.status !== "DONE" && record.status !== "PARTIAL_CANCELED")
      throw PgError.of("NOT_CANCELABLE_PAYMENT", `a payment that is ${record.status} cannot be canceled`);
    const amount = input.cancelAmount ?? record.balanceAmount;
    if (amount > record.balanceAmount)
      throw PgError.of("NOT_CANCELABLE_AMOUNT", `cancelAmount exceeds the balance of ${record.balanceAmount}`);

    const transactionKey = this.transactionKey();
    const balanceAmount = record.balanceAmount - amount;
    const cancel: Cancel = {
      transactionKey,
      cancelReason: input.cancelReason,
      cancelAmount: amount,
      refundableAmount: balanceAmount,
      cancelStatus: "DONE",
      canceledAt: tossTime(this.options.now()),
    };
    return this.change(record, {
      status: balanceAmount === 0 ? "CANCELED" : "PARTIAL_CANCELED",
      balanceAmount,
      lastTransactionKey: transactionKey,
      cancels: [...record.cancels, cancel],
    });
  }

  /** Turns every session past its confirm window EXPIRED. */
  expireDue(): void {
    for (const record of [...this.inProgress]) this.expireIfDue(record);
  }

  /** Every session, oldest first. */
  list(): Payment[] {
    this.expireDue();
    return [...this.byKey.values()].map(view);
  }

  clear(): void {
    this.byKey.clear();
    this.byOrderId.clear();
    this.inProgress.clear();
  }

  private capturedFor(orderId: string): PaymentRecord | undefined {
    return this.byOrderId.get(orderId)?.find((record) => CAPTURED_STATUSES.has(record.status));
  }

  private expireIfDue(record: PaymentRecord): void {
    if (record.status !== "IN_PROGRESS") return;
    const deadline = record.requestedAt.getTime() + this.options.confirmWindowSeconds * 1000;
    if (this.options.now().getTime() < deadline) return;
    this.inProgress.delete(record);
    this.change(record, { status: "EXPIRED" });
  }

  private change(record: PaymentRecord, fields: Partial<PaymentRecord>): Payment {
    Object.assign(record, fields);
    const payment = view(record);
    this.options.onChange(payment);
    return view(record);
  }

  /** Toss's transaction keys are 32 characters; hex keeps them plain. */
  private transactionKey(): string {
    return this.options.randomBytes(16).toString("hex");
  }
}

/** A copy in the wire shape: callers may keep or change it without touching the ledger. */
function view(record: PaymentRecord): Payment {
  return {
    version: "2022-11-16",
    paymentKey: record.paymentKey,
    orderId: record.orderId,
    orderName: record.orderName,
    status: record.status,
    totalAmount: record.totalAmount,
    balanceAmount: record.balanceAmount,
    currency: "KRW",
    method: "CARD",
    requestedAt: tossTime(record.requestedAt),
    approvedAt: record.approvedAt === null ? null : tossTime(record.approvedAt),
    lastTransactionKey: record.lastTransactionKey,
    cancels: record.cancels.map((cancel) => ({ ...cancel })),
  };
}
