import type { Db } from "../db/client.js";
import type { Logger } from "../logger.js";
import { createCatalogLoaders } from "../modules/catalog/catalog.loaders.js";
import { createMemberLoaders } from "../modules/member/member.loaders.js";
import { createOrderLoaders } from "../modules/order/order.loaders.js";
import type { Viewer } from "../modules/member/viewer.js";

/** DataLoaders live for one request: batching within it, no data cached across requests or members. */
export function createLoaders(db: Db) {
  return { ...createMemberLoaders(db), ...createCatalogLoaders(db), ...createOrderLoaders(db) };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface GraphQLContext {
  requestId: string;
  /** Logs with the request id on every line. */
  log: Logger;
  /** The caller's address (from X-Forwarded-For only when TRUST_PROXY is set). */
  clientIp: string;
  viewer: Viewer;
  loaders: Loaders;
}
