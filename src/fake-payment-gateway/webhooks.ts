import { setTimeout as sleep } from "node:timers/promises";
import { type Payment, type PaymentStatus, tossTime } from "./payment.js";

/**
 * Toss-style `PAYMENT_STATUS_CHANGED` webhooks: on every change of a payment, a POST of
 * `{ eventType, createdAt, data: <Payment> }` to the webhook URL. Fire and forget, as the PG does:
 * the API answer never waits for it or fails with it. A delivery that fails (no 2xx, no answer within
 * the timeout) is retried a few times, then given up. Deliveries run side by side, so two changes of
 * one payment may arrive out of order, which a receiver must survive anyway: Toss promises no order
 * either, and its advice is to read the payment again rather than trust the webhook's copy.
 */

export interface WebhookDelivery {
  /** When the change happened, on the fake's clock (ISO 8601, UTC). */
  at: string;
  url: string;
  paymentKey: string;
  status: PaymentStatus;
  attempts: number;
  outcome: "pending" | "delivered" | "failed";
  /** The last failure: an HTTP status or the error's message. */
  lastError?: string;
}

export interface WebhookOptions {
  url: string | null;
  now: () => Date;
  /** Waits before each retry; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  timeoutMs: number;
}

const MAX_DELIVERIES = 10_000;

export class WebhookSender {
  url: string | null;
  private readonly deliveries: WebhookDelivery[] = [];
  private closing = new AbortController();

  constructor(private readonly options: WebhookOptions) {
    this.url = options.url;
  }

  notify(payment: Payment): void {
    const url = this.url;
    if (url === null) return;
    const createdAt = this.options.now();
    const delivery: WebhookDelivery = {
      at: createdAt.toISOString(),
      url,
      paymentKey: payment.paymentKey,
      status: payment.status,
      attempts: 0,
      outcome: "pending",
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.shift();
    const body = JSON.stringify({ eventType: "PAYMENT_STATUS_CHANGED", createdAt: tossTime(createdAt), data: payment });
    void this.deliver(delivery, body, this.closing.signal);
  }

  /** Every delivery, the oldest first. */
  list(): WebhookDelivery[] {
    return structuredClone(this.deliveries);
  }

  clear(): void {
    this.deliveries.length = 0;
  }

  /** Gives up every delivery still trying, so nothing outlives the fake. */
  close(): void {
    this.closing.abort();
    this.closing = new AbortController();
  }

  private async deliver(delivery: WebhookDelivery, body: string, closing: AbortSignal): Promise<void> {
    for (let attempt = 0; attempt <= this.options.retryDelaysMs.length; attempt += 1) {
      if (attempt > 0) {
        try {
          await sleep(this.options.retryDelaysMs[attempt - 1], undefined, { signal: closing });
        } catch {
          break;
        }
      }
      delivery.attempts += 1;
      try {
        const response = await fetch(delivery.url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          signal: AbortSignal.any([closing, AbortSignal.timeout(this.options.timeoutMs)]),
        });
        // The body is not wanted, but must be read or cancelled to free the connection.
        await response.body?.cancel();
        if (response.ok) {
          delivery.outcome = "delivered";
          return;
        }
        delivery.lastError = `HTTP ${response.status}`;
      } catch (error) {
        delivery.lastError = error instanceof Error ? error.message : String(error);
      }
    }
    delivery.outcome = "failed";
  }
}
