import type { Db } from "../db/client.js";
import { createCatalogLoaders } from "../modules/catalog/catalog.loaders.js";
import { createMemberLoaders } from "../modules/member/member.loaders.js";
import { createOrderLoaders } from "../modules/order/order.loaders.js";

/** DataLoaders live for one request: batching within it, no data cached across requests or members. */
export function createLoaders(db: Db) {
  return { ...createMemberLoaders(db), ...createCatalogLoaders(db), ...createOrderLoaders(db) };
}

type ModuleLoaders = ReturnType<typeof createLoaders>;

// The request context's Loaders (src/graphql/context.ts) are every module's: said here, where the
// API is assembled, so that the context every resolver imports imports no module itself.
declare module "../graphql/context.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges ModuleLoaders into the context's Loaders
  interface Loaders extends ModuleLoaders {}
}
