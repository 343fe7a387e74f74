import type { RedisClient } from "../redis/connection.js";
import type { Config } from "../config/config.js";
import type { Pool } from "../db/transaction.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../observability/logger.js";
import { CartService } from "../modules/cart/cart.service.js";
import { CatalogService } from "../modules/catalog/catalog.service.js";
import { IdempotencyService } from "../modules/idempotency/idempotency.service.js";
import { AuthTokens } from "../auth/auth-token.js";
import { MemberService } from "../modules/member/member.service.js";
import type { OutboxSignal } from "../modules/order/order.deps.js";
import { createOrderUseCases } from "../modules/order/order.module.js";
import { PgRefunds, type RefundSignal } from "../modules/payment-gateway/pg-refunds.service.js";
import { PaymentGatewayClient } from "../modules/payment-gateway/payment-gateway.client.js";
import type { CheckoutJobs } from "../modules/checkout/checkout.deps.js";
import { createCheckoutUseCases } from "../modules/checkout/checkout.module.js";
import { PgCheckoutGateway } from "../modules/checkout/pg-verdicts.js";
import { PointService } from "../modules/point/point.service.js";
import { RateLimitKeys } from "../modules/rate-limit/rate-limit.rules.js";
import { RateLimiter } from "../modules/rate-limit/rate-limiter.js";
import { RankingKeys } from "../modules/ranking/ranking.rules.js";
import { RankingService } from "../modules/ranking/ranking.service.js";
import { RankingStore } from "../modules/ranking/ranking.store.js";
import { systemClock, type Clock } from "../shared/clock.js";

export interface ServiceDeps {
  db: Db;
  /** The pool behind `db`, for the statements placeOrder sends in batches. */
  pool: Pool;
  redis: RedisClient;
  config: Config;
  log: Logger;
  /** Told after each commit that wrote outbox events (the relay publishes them). */
  outbox?: OutboxSignal;
  /** Injectable so tests can place orders on chosen days. */
  clock?: Clock;
  /** Where checkouts hand their timed work (BullMQ); without it, the worker's sweep alone does it. */
  checkoutJobs?: CheckoutJobs & RefundSignal;
}

/** No queue in this process: the worker's sweep does the timed work when it comes round. */
const NO_CHECKOUT_JOBS: CheckoutJobs & RefundSignal = {
  expireAt: () => undefined,
  reconcileAt: () => undefined,
  refundsQueued: () => undefined,
};

/** The PG's API base: PG_API_URL, or where `npm start` runs the bundled fake PG. */
const pgApiBase = (config: Config): string => config.pg.apiUrl ?? `http://127.0.0.1:${config.pg.fakePort}`;

/** Wires the use-case services once per process; resolvers receive them through the schema's container. */
export function createServices({
  db,
  pool,
  redis,
  config,
  log,
  outbox = { notify: () => undefined }, // no relay in this process: nobody to tell
  clock = systemClock,
  checkoutJobs = NO_CHECKOUT_JOBS,
}: ServiceDeps) {
  const tokens = new AuthTokens(config.jwtSecret, config.jwtTtlSeconds);
  const idempotency = new IdempotencyService(clock);
  const points = new PointService(db, idempotency, clock, pool, config.dbBatchTimeoutMs);
  const catalog = new CatalogService(db);
  const carts = new CartService(db, catalog);
  const rateLimiter = new RateLimiter(redis, new RateLimitKeys(config.redisPrefix), config.rateLimits, clock, log);
  const members = new MemberService(db, tokens, points, carts, rateLimiter);
  const pgClient = new PaymentGatewayClient({
    baseUrl: pgApiBase(config),
    secretKey: config.pg.secretKey,
    connectTimeoutMs: config.pg.connectTimeoutMs,
    readTimeoutMs: config.pg.readTimeoutMs,
  });
  const pgRefunds = new PgRefunds(db, clock, pgClient, checkoutJobs, log);
  const orders = createOrderUseCases({
    db,
    pool,
    clock,
    catalog,
    points,
    carts,
    idempotency,
    outbox,
    cardRefunds: pgRefunds,
    batchTimeoutMs: config.dbBatchTimeoutMs,
  });
  const checkouts = createCheckoutUseCases(
    {
      db,
      pool,
      clock,
      catalog,
      points,
      carts,
      idempotency,
      orders,
      gateway: new PgCheckoutGateway(pgClient),
      refunds: pgRefunds,
      outbox,
      jobs: checkoutJobs,
      log,
      ttlSeconds: config.checkoutTtlSeconds,
      // Past any confirm still waiting for its answer: the PG's connect and read timeouts, and a margin.
      reconcileFirstMs: config.pg.connectTimeoutMs + config.pg.readTimeoutMs + 5_000,
    },
    {
      clientKey: config.pg.clientKey,
      sdkUrl: config.pg.sdkUrl,
      successUrl: `${config.shopPublicUrl.replace(/\/+$/, "")}/checkout/success`,
      failUrl: `${config.shopPublicUrl.replace(/\/+$/, "")}/checkout/fail`,
      enabled: config.pg.cardPayments,
    },
  );
  const rankingStore = new RankingStore(redis, new RankingKeys(config.redisPrefix), config.rankingTimezone, clock);
  const ranking = new RankingService(db, rankingStore, clock, config.rankingTimezone, log);
  return {
    tokens,
    idempotency,
    points,
    carts,
    members,
    catalog,
    orders,
    checkouts,
    ranking,
    rateLimiter,
    pgRefunds,
    pgClient,
  };
}

export type Services = ReturnType<typeof createServices>;
