import type { Config } from "./config.js";
import type { Db } from "./db/client.js";
import { CartService } from "./modules/cart/cart.service.js";
import { CatalogService } from "./modules/catalog/catalog.service.js";
import { AuthTokens } from "./modules/member/auth-token.js";
import { MemberService } from "./modules/member/member.service.js";
import { PointService } from "./modules/point/point.service.js";
import { IdempotencyService } from "./modules/idempotency/idempotency.service.js";
import { systemClock, type Clock } from "./shared/clock.js";
import { OrderService } from "./modules/order/order.service.js";

/** Wires the use-case services once per process; resolvers receive them through the schema's container. */
/** `clock` is injectable so tests can place orders on chosen days. */
export function createServices(db: Db, config: Config, clock: Clock = systemClock) {
  const tokens = new AuthTokens(config.jwtSecret, config.jwtTtlSeconds);
  const idempotency = new IdempotencyService(clock);
  const points = new PointService(db, idempotency);
  const catalog = new CatalogService(db);
  const carts = new CartService(db, catalog);
  const members = new MemberService(db, tokens, points, carts);
  const orders = new OrderService(db, clock, catalog, points, carts, idempotency);
  return { tokens, idempotency, points, carts, members, catalog, orders };
}

export type Services = ReturnType<typeof createServices>;
