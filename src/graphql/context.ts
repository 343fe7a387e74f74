import type { Db } from "../db/client.js";
import type { Logger } from "../observability/logger.js";
import { createCatalogLoaders } from "../modules/catalog/catalog.loaders.js";
import { createMemberLoaders } from "../modules/member/member.loaders.js";
import { createOrderLoaders } from "../modules/order/order.loaders.js";
import type { Viewer } from "../auth/viewer.js";

/** DataLoaders live for one request: batching within it, no data cached across requests or members. */
export function createLoaders(db: Db) {
  return { ...createMemberLoaders(db), ...createCatalogLoaders(db), ...createOrderLoaders(db) };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface GraphQLContext {
  requestId: string;
  /** Logs with the request id on every line. */
  log: Logger;
  /** The caller's address (from X-Forwarded-For only as far as TRUST_PROXY trusts the hops). */
  clientIp: string;
  viewer: Viewer;
  loaders: Loaders;
}

/** What the HTTP layer knows of a request when it builds the context. */
export interface RequestFacts {
  readonly requestId: string;
  readonly log: Logger;
  readonly clientIp: string;
}

/**
 * The context of one HTTP request. The logger, the client address and the DataLoaders are made
 * when a resolver first asks: most requests (a products page) use none of them.
 *
 * A class, with getters on its prototype, because Apollo copies the context object for each
 * operation (Object.assign onto an object of the same prototype): a getter of the object itself
 * would be called by that copy, one on the prototype survives it.
 */
export class RequestContext implements GraphQLContext {
  private madeLoaders: Loaders | undefined = undefined;

  constructor(
    private readonly request: RequestFacts,
    readonly viewer: Viewer,
    private readonly db: Db,
  ) {}

  get requestId(): string {
    return this.request.requestId;
  }

  get log(): Logger {
    return this.request.log;
  }

  get clientIp(): string {
    return this.request.clientIp;
  }

  get loaders(): Loaders {
    return (this.madeLoaders ??= createLoaders(this.db));
  }
}
