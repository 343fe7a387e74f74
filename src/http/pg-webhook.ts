import express, { type Router } from "express";
import type { Logger } from "../observability/logger.js";

/** What the webhook route needs from the checkouts: a hint to ask the PG about one orderId. */
export interface PgWebhookHandler {
  hint(pgOrderId: string): Promise<void>;
}

const PG_WEBHOOK_PATH = "/webhooks/pg";

// Toss's orderId form: anything else cannot be one of ours, and is not worth a query.
const ORDER_ID = /^[A-Za-z0-9_-]{6,64}$/;

/**
 * POST /webhooks/pg: Toss-style PAYMENT_STATUS_CHANGED webhooks, `{ eventType, createdAt, data: Payment }`.
 * Taken as hints only: nothing in the body is believed (it is not signed, and may be duplicated, late
 * or out of order); the orderId it names is asked about at the PG. The hint is written down before the
 * answer, so a 200 means it will be acted on; if it cannot be (the database is down) the answer is a
 * 500 and the PG sends it again. A body that names no order of ours is answered 200 and ignored, so the
 * PG does not retry what can never succeed.
 */
export function pgWebhookRoute(handler: PgWebhookHandler, log: Logger): Router {
  const router = express.Router();
  router.post(PG_WEBHOOK_PATH, express.json({ limit: "64kb" }), async (req, res) => {
    const orderId = orderIdOf(req.body);
    if (orderId === null) {
      res.status(200).json({ received: true, ignored: "not a PAYMENT_STATUS_CHANGED webhook naming an orderId" });
      return;
    }
    try {
      await handler.hint(orderId);
      res.status(200).json({ received: true });
    } catch (error) {
      log.warn({ err: { message: (error as Error).message } }, "PG webhook not recorded: the PG will send it again");
      res.status(500).json({ received: false });
    }
  });
  return router;
}

function orderIdOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const { eventType, data } = body as { eventType?: unknown; data?: unknown };
  if (eventType !== "PAYMENT_STATUS_CHANGED" || typeof data !== "object" || data === null) return null;
  const { orderId } = data as { orderId?: unknown };
  return typeof orderId === "string" && ORDER_ID.test(orderId) ? orderId : null;
}
