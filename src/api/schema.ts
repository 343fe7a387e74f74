import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type ContainerType } from "type-graphql";
import {
  CatalogResolver,
  ProductConnectionResolver,
  ProductFieldsResolver,
  answerListedProductOptions,
} from "../modules/catalog/catalog.resolver.js";
import { CartItemResolver, CartResolver } from "../modules/cart/cart.resolver.js";
import { CheckoutResolver } from "../modules/checkout/checkout.resolver.js";
import type { CheckoutUseCases } from "../modules/checkout/checkout.module.js";
import { OrderConnectionResolver, OrderItemResolver, OrderResolver } from "../modules/order/order.resolver.js";
import { RankingResolver } from "../modules/ranking/ranking.resolver.js";
import { MemberResolver } from "../modules/member/member.resolver.js";
import { PointHistoryResolver, PointResolver } from "../modules/point/point.resolver.js";
import type { CartService } from "../modules/cart/cart.service.js";
import type { CatalogService } from "../modules/catalog/catalog.service.js";
import type { MemberService } from "../modules/member/member.service.js";
import type { OrderUseCases } from "../modules/order/order.module.js";
import type { PointService } from "../modules/point/point.service.js";
import type { RankingService } from "../modules/ranking/ranking.service.js";
import { DateTime } from "../graphql/scalars.js";

/** The services the resolvers call (src/app/services.ts makes them). */
export interface ResolverServices {
  members: MemberService;
  catalog: CatalogService;
  points: PointService;
  carts: CartService;
  orders: OrderUseCases;
  checkouts: CheckoutUseCases;
  ranking: RankingService;
}

/** A resolver class, as type-graphql asks the container for it. */
type ResolverClass = abstract new (...args: never[]) => object;

const resolverClasses = [
  MemberResolver,
  CatalogResolver,
  ProductFieldsResolver,
  ProductConnectionResolver,
  PointResolver,
  PointHistoryResolver,
  CartResolver,
  CartItemResolver,
  OrderResolver,
  OrderItemResolver,
  OrderConnectionResolver,
  CheckoutResolver,
  RankingResolver,
] as const;

/** Resolver instances built from the services; the map is what type-graphql's container hands out. */
function resolverInstances(services: ResolverServices): Map<ResolverClass, object> {
  return new Map<ResolverClass, object>([
    [MemberResolver, new MemberResolver(services.members)],
    [CatalogResolver, new CatalogResolver(services.catalog, services.members)],
    [ProductFieldsResolver, new ProductFieldsResolver()],
    [ProductConnectionResolver, new ProductConnectionResolver(services.catalog)],
    [PointResolver, new PointResolver(services.points)],
    [PointHistoryResolver, new PointHistoryResolver(services.points)],
    [CartResolver, new CartResolver(services.carts)],
    [CartItemResolver, new CartItemResolver()],
    [OrderResolver, new OrderResolver(services.orders)],
    [OrderItemResolver, new OrderItemResolver()],
    [OrderConnectionResolver, new OrderConnectionResolver(services.orders)],
    [CheckoutResolver, new CheckoutResolver(services.checkouts, services.orders)],
    [RankingResolver, new RankingResolver(services.ranking)],
  ]);
}

/**
 * Builds the executable schema. Without services it can still be printed (schema.graphql), but not run.
 * Input is validated by the domain rules, not class-validator, so every rule lives in one covered place.
 */
export async function buildGraphQLSchema(services?: ResolverServices): Promise<GraphQLSchema> {
  const instances = services ? resolverInstances(services) : new Map<ResolverClass, object>();
  const container: ContainerType = {
    get(someClass: ResolverClass) {
      const instance = instances.get(someClass);
      if (!instance) throw new Error(`no resolver instance for ${someClass.name}`);
      return instance;
    },
  };
  const schema = await buildSchema({
    resolvers: resolverClasses,
    container,
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTime }],
  });
  answerListedProductOptions(schema);
  return schema;
}
