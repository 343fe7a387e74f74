import { redisTarget, type Config } from "../config/config.js";
import { openDatabase } from "./bootstrap.js";
import type { Logger } from "../observability/logger.js";
import { DataPlatformClient } from "../modules/data-platform/data-platform.client.js";
import { startEventWorkers } from "../queue/event-workers.js";
import { openEventQueues } from "../queue/event-queues.js";
import { registerBacklogGauges } from "../observability/metrics-sources.js";
import { startMetricsServer } from "../observability/metrics-server.js";
import { deliveryBacklog } from "../outbox/outbox.repository.js";
import { portInUse } from "../process/startup-failure.js";
import { runHousekeeping } from "../queue/housekeeping.js";
import { OutboxRelay, relayOptions } from "../queue/outbox-relay.js";
import { QueueConnections } from "../queue/queues.js";
import { createRedis } from "../redis/connection.js";
import type { Running } from "../process/lifecycle.js";
import { createServices } from "./services.js";
import { systemClock, type Clock } from "../shared/clock.js";

const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;

/** Where the worker delivers events when DATA_PLATFORM_URL is unset: `npm run data-platform`'s default. */
export const LOCAL_FAKE_PLATFORM_URL = (port: number): string => `http://127.0.0.1:${port}/events`;

/**
 * The background worker: BullMQ workers that count events into the ranking and deliver them to the
 * data platform, the outbox sweep, and the check that rebuilds the ranking when Redis lost it.
 */
export async function runWorker(config: Config, log: Logger, clock: Clock = systemClock): Promise<Running> {
  const database = await openDatabase(config, log);
  const redis = createRedis(redisTarget(config), log);
  const connections = new QueueConnections(redisTarget(config));
  const queues = openEventQueues(connections, config.redisPrefix, config.eventRetryBaseMs, log);
  // The worker's relay also publishes again what a consumer has not confirmed in time.
  const relay = new OutboxRelay(database.db, queues, log, relayOptions(config, true, clock));
  const { ranking } = createServices({ db: database.db, pool: database.pool, redis, config, log, clock });
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
  relay.start();

  let checking: Promise<unknown> | null = null;
  const checkRanking = () => {
    if (checking) return; // the previous check (perhaps a rebuild) is still running
    checking = ranking
      .ensureBuilt()
      .catch((error: Error) => log.warn({ err: { message: error.message } }, "ranking check failed"))
      .finally(() => (checking = null));
  };
  checkRanking();
  const timer = setInterval(checkRanking, config.rankingCheckMs);
  const housekeeping = setInterval(() => {
    runHousekeeping(database.db, clock, log).catch((error: Error) =>
      log.warn({ err: { message: error.message } }, "housekeeping failed"),
    );
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  registerBacklogGauges({ deliveryBacklog: () => deliveryBacklog(database.db), queues });
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
      clearInterval(housekeeping);
      await metrics?.close();
      await workers.close(config.shutdownGraceMs);
      await relay.stop();
      await checking;
      await Promise.allSettled([...queues.map((queue) => queue.close()), database.close(), redis.quit()]);
      await connections.close();
    },
  };
}
