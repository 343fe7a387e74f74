import type { Db } from "../db/client.js";
import { deleteStaleCommitTokens } from "../db/commit-outcome.js";
import type { Logger } from "../observability/logger.js";
import { deleteExpiredKeys } from "../modules/idempotency/idempotency.repository.js";
import { deleteDeliveredBefore } from "../outbox/outbox.repository.js";
import type { Clock } from "../shared/clock.js";

const BATCH = 1_000;
/**
 * Delivered events are kept a while for operators (what was sent, when) after the queues forgot
 * them. An event some consumer has not confirmed is kept however old: it is still owed.
 */
const OUTBOX_RETENTION_MS = 14 * 24 * 3600 * 1000;

/** How often housekeeping runs, once for all workers (a BullMQ job scheduler: src/queue/maintenance.ts). */
export const HOUSEKEEPING_EVERY_MS = 10 * 60 * 1000;

/**
 * Periodic clean-up the workers run, once per HOUSEKEEPING_EVERY_MS: expired idempotency keys and outbox rows every consumer
 * confirmed over OUTBOX_RETENTION_MS ago, in small batches so no statement holds locks for long.
 */
export async function runHousekeeping(
  db: Db,
  clock: Clock,
  log: Logger,
): Promise<{ keys: number; events: number; commitTokens: number }> {
  const now = clock.now();
  let keys = 0;
  let events = 0;
  for (let removed = BATCH; removed === BATCH; keys += removed) removed = await deleteExpiredKeys(db, now, BATCH);
  const before = new Date(now.getTime() - OUTBOX_RETENTION_MS);
  for (let removed = BATCH; removed === BATCH; events += removed)
    removed = await deleteDeliveredBefore(db, before, BATCH);
  let commitTokens = 0;
  for (let removed = BATCH; removed === BATCH; commitTokens += removed)
    removed = await deleteStaleCommitTokens(db, BATCH);
  if (keys + events + commitTokens > 0)
    log.info(
      { keys, events, commitTokens },
      "housekeeping: removed expired idempotency keys, old delivered outbox rows and commit tokens",
    );
  return { keys, events, commitTokens };
}
