import "reflect-metadata";
import { randomBytes } from "node:crypto";
import type { RedisClient } from "../../src/redis/connection.js";
import { loadStartupData, openDatabase } from "../../src/app/bootstrap.js";
import { loadConfig, loadLogLevel, redisTarget, type Config } from "../../src/config/config.js";
import type { Database } from "../../src/db/client.js";
import { createApiServer, type ApiServer } from "../../src/http/server.js";
import { createLogger, type Logger } from "../../src/observability/logger.js";
import type { Queue } from "bullmq";
import { openEventQueues } from "../../src/queue/event-queues.js";
import { OutboxRelay, relayOptions } from "../../src/queue/outbox-relay.js";
import { QueueConnections, type OrderEventJob } from "../../src/queue/queues.js";
import { systemClock, type Clock } from "../../src/shared/clock.js";
import { CheckoutJobQueue } from "../../src/queue/checkout-jobs.js";
import { createRedis } from "../../src/redis/connection.js";
import { createServices, type Services } from "../../src/app/services.js";
import { postGraphQL, type GraphQLResponse, type RequestOptions } from "./graphql.js";
import { dropDatabase, uniqueDatabaseUrl } from "./test-database.js";

export const TEST_ADMIN = { loginId: "test-admin", password: "test-admin-password" };

export interface TestApp {
  url: string;
  /** Where /metrics has a port of its own (METRICS_PORT); null without one. */
  metricsUrl: string | null;
  config: Config;
  database: Database;
  redis: RedisClient;
  services: Services;
  log: Logger;
  relay: OutboxRelay;
  queues: Array<Queue<OrderEventJob>>;
  gql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<TData>>;
  /** Stops everything and drops the database, unless another app of the test still uses it. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * Boots the real service in-process (database created and migrated, Apollo over HTTP on a free port)
 * against a database and a Redis prefix of this test file's own.
 */
export interface TestAppOptions {
  /** Receives every log line (JSON) the app writes, at debug level and up. */
  logLines?: string[];
  /** The service's clock (orders' payment time, the ranking's "today"). */
  clock?: Clock;
  /** Checkouts hand their timed work to BullMQ (for a worker to run); by default no job is added. */
  checkoutJobs?: boolean;
  /** Listens here rather than on a free port: for SHOP_PUBLIC_URL, which must name the app's own address. */
  port?: number;
}

export async function startTestApp(
  label: string,
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: uniqueDatabaseUrl(label),
    REDIS_PREFIX: `test:${label}:${randomBytes(4).toString("hex")}`,
    DB_POOL_SIZE: "30",
    SEED_DEMO_DATA: "false",
    ADMIN_LOGIN_ID: TEST_ADMIN.loginId,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    SHUTDOWN_GRACE_MS: "2000",
    // Every test signs its members up from 127.0.0.1; test/integration/rate-limits.spec.ts tests the limit itself.
    RATE_LIMIT_SIGNUPS_PER_IP: "1000000",
    ...env,
  });
  const lines = options.logLines;
  const log = lines
    ? createLogger("debug", { write: (line: string) => void lines.push(line) })
    : createLogger(loadLogLevel({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent" }));
  const database = await openDatabase(config, log);
  const redis = createRedis(redisTarget(config), log);
  const connections = new QueueConnections(redisTarget(config));
  const queues = openEventQueues(connections, config.redisPrefix, config.eventRetryBaseMs, log);
  const relay = new OutboxRelay(database.db, queues, log, relayOptions(config, false, options.clock));
  const checkoutJobs = options.checkoutJobs
    ? new CheckoutJobQueue(connections, config.redisPrefix, options.clock ?? systemClock, log)
    : undefined;
  const services = createServices({
    db: database.db,
    pool: database.pool,
    redis,
    config,
    log,
    outbox: relay,
    clock: options.clock,
    checkoutJobs,
  });
  await loadStartupData(config, database, services, log);
  const api: ApiServer = await createApiServer({ config, log, database, redis, services, queues });
  relay.start();
  const address = await api.listen(options.port ?? 0, "127.0.0.1");
  const url = `http://127.0.0.1:${address.port}`;
  const metricsPort = api.metricsPort();

  return {
    url,
    metricsUrl: metricsPort === null ? null : `http://127.0.0.1:${metricsPort}`,
    config,
    database,
    redis,
    services,
    gql: (query, variables, options) => postGraphQL(url, query, variables, options),
    log,
    relay,
    queues,
    async close({ keepDatabase = false } = {}) {
      await api.stop();
      await relay.stop();
      services.pgClient.close();
      await Promise.allSettled([
        ...queues.map((queue) => queue.close()),
        checkoutJobs?.close(),
        database.close(),
        redis.quit(),
      ]);
      await connections.close();
      if (!keepDatabase) await dropDatabase(config.databaseUrl);
    },
  };
}

/**
 * What `work` returned, and the statements the app sent through drizzle while it ran. The counter is the whole app's, so the
 * outbox relay's timer, whose sweep reads the outbox through it, is paused meanwhile: a sweep landing
 * inside the window (as it did on a loaded CI machine) would be counted as the request's.
 */
export async function statementsDuring<T>(
  app: TestApp,
  work: () => Promise<T>,
): Promise<{ result: T; statements: number }> {
  await app.relay.stop();
  try {
    const before = app.database.statements.count;
    const result = await work();
    return { result, statements: app.database.statements.count - before };
  } finally {
    app.relay.start();
  }
}
