import { setTimeout as delay } from "node:timers/promises";
import { redisTarget, type Config } from "../config/config.js";
import { openDatabase } from "./bootstrap.js";
import type { Logger } from "../observability/logger.js";
import { DataPlatformClient } from "../modules/data-platform/data-platform.client.js";
import { startEventWorkers } from "../queue/event-workers.js";
import { openEventQueues } from "../queue/event-queues.js";
import { registerBacklogGauges, registerPgRefundGauges } from "../observability/metrics-sources.js";
import { startMetricsServer } from "../observability/metrics-server.js";
import { deliveryBacklog } from "../outbox/outbox.repository.js";
import { portInUse } from "../process/startup-failure.js";
import { HOUSEKEEPING_EVERY_MS, runHousekeeping } from "../queue/housekeeping.js";
import { startMaintenance } from "../queue/maintenance.js";
import { OutboxRelay, relayOptions } from "../queue/outbox-relay.js";
import { QueueConnections } from "../queue/queues.js";
import { CheckoutJobQueue, startCheckoutWorker } from "../queue/checkout-jobs.js";
import { createRedis } from "../redis/connection.js";
import type { Running } from "../process/lifecycle.js";
import { createServices } from "./services.js";
import { systemClock, type Clock } from "../shared/clock.js";

/** Where the worker delivers events when DATA_PLATFORM_URL is unset: `npm run data-platform`'s default. */
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const LOCAL_FAKE_PLATFORM_URL = (port: number): string => `http://127.0.0.1:${port}/events`;

/**
 * The background worker: BullMQ workers that count events into the ranking and deliver them to the
 * data platform, the outbox sweep, housekeeping (a BullMQ job scheduler: once per period for all
 * workers), and the check that rebuilds the ranking when Redis lost it.
 */
export async function runWorker(config: Config, log: Logger, clock: Clock = systemClock): Promise<Running> {
  const database = await openDatabase(config, log);
  const redis = createRedis(redisTarget(config), log);
  const connections = new QueueConnections(redisTarget(config));
  const queues = openEventQueues(connections, config.redisPrefix, config.eventRetryBaseMs, log);
  // The worker's relay also publishes again what a consumer has not confirmed in time.
  const relay = new OutboxRelay(database.db, queues, log, relayOptions(config, true, clock));
  const checkoutJobs = new CheckoutJobQueue(connections, config.redisPrefix, clock, log);
  const { ranking, checkouts, pgRefunds, pgClient } = createServices({
    db: database.db,
    pool: database.pool,
    redis,
    config,
    log,
    clock,
    outbox: relay,
    checkoutJobs,
  });
  const dataPlatformUrl = config.dataPlatformUrl ?? LOCAL_FAKE_PLATFORM_URL(config.fakePlatformPort);
  const workers = startEventWorkers({
    connections,
    redisPrefix: config.redisPrefix,
    db: database.db,
    ranking,
    dataPlatform: new DataPlatformClient({ url: dataPlatformUrl }),
    log,
    lockDurationMs: config.workerLockMs,
    retryMaxMs: config.eventRetryMaxMs,
    clock,
  });
  const checkoutWorker = startCheckoutWorker({
    connections,
    redisPrefix: config.redisPrefix,
    recovery: checkouts.recovery,
    refunds: pgRefunds,
    log,
    lockDurationMs: config.workerLockMs,
  });
  relay.start();
  const maintenance = startMaintenance({
    connections,
    redisPrefix: config.redisPrefix,
    log,
    lockDurationMs: config.workerLockMs,
    jobs: [
      { name: "housekeeping", everyMs: HOUSEKEEPING_EVERY_MS, run: () => runHousekeeping(database.db, clock, log) },
      {
        // The safety net under the checkout jobs: lapsed reservations, confirms to ask about, refunds owed.
        name: "checkout-sweep",
        everyMs: config.checkoutSweepMs,
        run: async () => ({ ...(await checkouts.recovery.sweep()), refundsOwed: await pgRefunds.sweep() }),
      },
    ],
  });

  // A timer in every worker process rather than a BullMQ job scheduler: it is what notices that Redis
  // lost its data (a restart without persistence, FLUSHALL, a failover to an empty replica), and a job
  // scheduler lives in that same Redis and would be lost with it. So it also (re)creates the
  // housekeeping scheduler when Redis does not have it, this worker's first pass included. A pass is
  // a few reads; a rebuild it starts takes a lock in Redis and checks again under it, so workers that
  // notice together rebuild once.
  let checking: Promise<unknown> | null = null;
  const checkRedis = () => {
    if (checking) return; // the previous check (perhaps a rebuild) is still running
    checking = Promise.all([
      ranking
        .ensureBuilt()
        .catch((error: unknown) => log.warn({ err: { message: messageOf(error) } }, "ranking check failed")),
      maintenance
        .ensureScheduled()
        .catch((error: unknown) => log.debug({ err: { message: messageOf(error) } }, "periodic jobs check failed")),
    ]).finally(() => (checking = null));
  };
  checkRedis();
  const timer = setInterval(checkRedis, config.rankingCheckMs);
  registerBacklogGauges({ deliveryBacklog: () => deliveryBacklog(database.db), queues });
  registerPgRefundGauges(() => pgRefunds.backlog());
  const metrics =
    config.workerMetricsPort === null
      ? null
      : await startMetricsServer(config.workerMetricsPort, { token: config.metricsToken }).catch(
          portInUse("WORKER_METRICS_PORT", config.workerMetricsPort),
        );
  log.info({ dataPlatformUrl, metricsPort: metrics?.port ?? null }, "worker ready");

  return {
    async stop() {
      clearInterval(timer);
      await metrics?.close();
      await Promise.all([
        workers.close(config.shutdownGraceMs),
        maintenance.close(config.shutdownGraceMs),
        checkoutWorker.close(config.shutdownGraceMs),
      ]);
      await relay.stop();
      // A check can wait for Redis as long as it is unreachable (BullMQ holds a command until its
      // connection is ready): shutdown waits for it no longer than for the jobs.
      await Promise.race([checking, delay(config.shutdownGraceMs, undefined, { ref: false })]);
      pgClient.close();
      await Promise.allSettled([
        ...queues.map((queue) => queue.close()),
        checkoutJobs.close(),
        database.close(),
        redis.quit(),
      ]);
      await connections.close();
    },
  };
}
