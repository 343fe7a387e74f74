import type { Viewer } from "../auth/viewer.js";
import type { Logger } from "../observability/logger.js";

/**
 * The DataLoaders of one request, by name. Declared empty and filled in by src/api/loaders.ts, which
 * merges every module's loaders into it (declaration merging): this file, which every resolver
 * imports, then imports no module, and the API's assembly is the one place that knows them all.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by declaration merging (above)
export interface Loaders {}

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
    /** Makes this request's loaders (src/api/loaders.ts), on first use. */
    private readonly makeLoaders: () => Loaders,
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
    return (this.madeLoaders ??= this.makeLoaders());
  }
}
