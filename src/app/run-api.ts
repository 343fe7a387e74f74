import { redisTarget, type Config } from "../config/config.js";
import { loadStartupData, openDatabase } from "./bootstrap.js";
import { createApiServer } from "../http/server.js";
import type { Logger } from "../observability/logger.js";
import { openEventQueues } from "../queue/event-queues.js";
import { OutboxRelay, relayOptions } from "../queue/outbox-relay.js";
import { QueueConnections } from "../queue/queues.js";
import { CheckoutJobQueue } from "../queue/checkout-jobs.js";
import { systemClock } from "../shared/clock.js";
import { createRedis } from "../redis/connection.js";
import { createServices } from "./services.js";
import type { Running } from "../process/lifecycle.js";
import { portInUse } from "../process/startup-failure.js";

/** Migrations, start-up data, the outbox relay and the HTTP API on config.port. */
export async function runApi(config: Config, log: Logger): Promise<Running> {
  const database = await openDatabase(config, log);
  const redis = createRedis(redisTarget(config), log);
  const connections = new QueueConnections(redisTarget(config));
  const queues = openEventQueues(connections, config.redisPrefix, config.eventRetryBaseMs, log);
  const relay = new OutboxRelay(database.db, queues, log, relayOptions(config, false));
  const checkoutJobs = new CheckoutJobQueue(connections, config.redisPrefix, systemClock, log);
  const services = createServices({
    db: database.db,
    pool: database.pool,
    redis,
    config,
    log,
    outbox: relay,
    checkoutJobs,
  });
  await loadStartupData(config, database, services, log);

  const api = await createApiServer({ config, log, database, redis, services, queues });
  relay.start();
  const address = await api.listen(config.port).catch(portInUse("PORT", config.port));
  log.info(
    { port: address.port, metricsPort: api.metricsPort() },
    `API ready: http://localhost:${address.port}/graphql`,
  );

  return {
    async stop() {
      await api.stop();
      await relay.stop();
      services.pgClient.close();
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
