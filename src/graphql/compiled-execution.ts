import type { GatewayGraphQLRequestContext, GatewayInterface } from "@apollo/server-gateway-interface";
import {
  execute,
  GraphQLError,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";
import { graphqlCompiledExecutions } from "../observability/metrics.js";
import { tokenCountOf } from "./document-store.js";

export interface CompiledExecutionOptions {
  /** Memory for compiled documents, least recently used dropped first (compiledDocumentBytes); 0 compiles none. */
  maxBytes: number;
  /** A document is compiled when it is executed for this many times (counted while it stays recent). */
  compileAfter: number;
}

/** The schema never changes, so there is no update to stop listening to. */
const nothingToUnsubscribe = (): undefined => undefined;

/** A document graphql-jit refused to compile (it answers with errors instead): executed by graphql-js. */
const UNCOMPILABLE = "uncompilable";

/**
 * What a compiled document keeps alive, per token of its text: its generated functions and the AST
 * they hold on to. Measured with the SDK's 26 operations (150-190 tokens each, compiled 40 times
 * over): 330-480 bytes a token, 54-88 KiB a document; the upper end is used.
 */
const COMPILED_BYTES_PER_TOKEN = 480;

/** How many documents' uncompiled runs are counted: about 10,000 short keys, a few MiB at most. */
const MAX_SIGHTINGS = 10_000;

/** A compiled document's size as the cache counts it (see COMPILED_BYTES_PER_TOKEN). */
export function compiledDocumentBytes(document: DocumentNode): number {
  return Math.max(1, tokenCountOf(document)) * COMPILED_BYTES_PER_TOKEN;
}

/**
 * Executes the documents clients send over and over compiled by graphql-jit, and every other one with
 * graphql-js, as Apollo would. graphql-js walks the document's AST for every request, resolving each
 * field's definition, arguments and type on the way; graphql-jit turns a document into a function once
 * and runs that: on the products page graphql-js's execution was a large share of the API's CPU per page.
 *
 * Only documents seen `compileAfter` times are compiled: compiling costs far more than one execution,
 * and a client that writes a new document per request (values in the query text) must not make the API
 * compile each. The compiled documents are kept in an LRU bounded by the memory they take
 * (GRAPHQL_COMPILED_CACHE_MB), so no mix of documents can grow the API past it.
 *
 * A compiled document whose variables fail coercion answers without data and before any resolver
 * ran; it is executed again by graphql-js so the client gets graphql-js's words for it, which Apollo
 * reads to answer BAD_USER_INPUT.
 *
 * Apollo Server 4 and later take a custom executor only through the gateway interface (Apollo's
 * migration guide, "executor"): this gateway serves one fixed schema and never updates it.
 */
export function compiledExecutionGateway(schema: GraphQLSchema, options: CompiledExecutionOptions): GatewayInterface {
  const executor = createCompiledExecutor(schema, options);
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return nothingToUnsubscribe;
    },
    async load() {
      return { executor };
    },
    // Nothing to stop: no schema polling, no connections of its own.
    stop: async () => undefined,
  };
}

/** What the executor reads of Apollo's request (Apollo hands it a GatewayGraphQLRequestContext). */
export type ExecutionRequest = Pick<
  GatewayGraphQLRequestContext,
  "document" | "operationName" | "queryHash" | "context"
> & {
  readonly request: Pick<GatewayGraphQLRequestContext["request"], "variables">;
};

/** The executor behind compiledExecutionGateway. */
export function createCompiledExecutor(
  schema: GraphQLSchema,
  options: CompiledExecutionOptions,
): (request: ExecutionRequest) => Promise<ExecutionResult> {
  const compiled = new LRUCache<string, { program: CompiledQuery | typeof UNCOMPILABLE; bytes: number }>({
    maxSize: Math.max(1, options.maxBytes),
    sizeCalculation: (entry) => entry.bytes,
  });
  // How often each recent document ran uncompiled.
  const sightings = new LRUCache<string, number>({ max: MAX_SIGHTINGS });

  const interpret = (request: ExecutionRequest): Promise<ExecutionResult> =>
    Promise.resolve(
      execute({
        schema,
        document: request.document,
        contextValue: request.context,
        variableValues: request.request.variables,
        operationName: request.operationName ?? undefined,
      }),
    );

  const compiledFor = (request: ExecutionRequest): CompiledQuery | null => {
    if (options.maxBytes === 0) return null;
    // The same text with another operation chosen is another program.
    const key = `${request.queryHash}\u0000${request.operationName ?? ""}`;
    const known = compiled.get(key)?.program;
    if (known !== undefined) return known === UNCOMPILABLE ? null : known;
    const seen = (sightings.get(key) ?? 0) + 1;
    if (seen < options.compileAfter) {
      sightings.set(key, seen);
      return null;
    }
    sightings.delete(key);
    const result = compileQuery(schema, request.document, request.operationName ?? undefined);
    const program = isCompiledQuery(result) ? result : UNCOMPILABLE;
    // A document larger than the whole cache is not kept (lru-cache refuses it); it runs compiled once.
    compiled.set(key, { program, bytes: compiledDocumentBytes(request.document) });
    return program === UNCOMPILABLE ? null : program;
  };

  return async (request) => {
    const program = compiledFor(request);
    if (program === null) {
      graphqlCompiledExecutions.inc({ engine: "graphql-js" });
      return interpret(request);
    }
    const result = await program.query(undefined, request.context, request.request.variables ?? {});
    if (result.data === undefined && result.errors?.length) {
      // Nothing ran (variables refused): graphql-js words the refusal, as Apollo expects it.
      graphqlCompiledExecutions.inc({ engine: "graphql-js" });
      return interpret(request);
    }
    graphqlCompiledExecutions.inc({ engine: "compiled" });
    return result.errors ? { ...result, errors: result.errors.map(asGraphqlJsError) } : result;
  };
}

/**
 * graphql-jit's errors pass `instanceof GraphQLError` but are not built like graphql-js's: without an
 * original error that has extensions they have no `extensions` at all, where Apollo and formatError
 * read `extensions.code`. The same error rebuilt by graphql-js, with its path, locations and cause.
 */
function asGraphqlJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
  // Where in the document: graphql-js derives it from AST nodes, which graphql-jit's error no longer has.
  return Object.assign(rebuilt, { locations: error.locations });
}
