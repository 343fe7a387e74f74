import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import type { Queue } from "bullmq";
import express from "express";
import type { RedisClient } from "../redis/connection.js";
import { metricsOnApiPort, type Config } from "../config/config.js";
import type { Database } from "../db/client.js";
import { RequestContext, type GraphQLContext, type RequestFacts } from "../graphql/context.js";
import { compiledExecutionGateway } from "../graphql/compiled-execution.js";
import { createDocumentStore } from "../graphql/document-store.js";
import { formatError, internalErrorLogging } from "../graphql/format-error.js";
import { graphqlLimits } from "../graphql/limits.js";
import { metricsPlugin } from "../graphql/metrics-plugin.js";
import { mutationRateLimitPlugin } from "../graphql/rate-limit-plugin.js";
import { registerBacklogGauges } from "../observability/metrics-sources.js";
import { deliveryBacklog } from "../outbox/outbox.repository.js";
import { metricsHandler, startMetricsServer } from "../observability/metrics-server.js";
import { portInUse } from "../process/startup-failure.js";
import type { OrderEventJob } from "../queue/queues.js";
import { createPlayground } from "../graphql/playground.js";
import { createLoaders } from "../api/loaders.js";
import { buildGraphQLSchema, type ResolverServices } from "../api/schema.js";
import type { Logger } from "../observability/logger.js";
import type { AuthTokens } from "../auth/auth-token.js";
import type { RateLimiter } from "../modules/rate-limit/rate-limiter.js";
import { GRAPHQL_BODY_LIMIT, createGraphqlPostHandler, isPlainGraphqlPost } from "./graphql-post.js";
import { healthRoutes } from "./health.js";
import { pgWebhookRoute } from "./pg-webhook.js";
import { QUEUE_DASHBOARD_PATH, adminBasicAuth, dashboardCsp, queueDashboard } from "./queue-dashboard.js";
import { clientAddressOf, proxyTrust } from "./client-address.js";
import { viewerFrom } from "./request-context.js";
import { requestErrorHandler } from "./request-errors.js";
import { requestLogging } from "./request-logging.js";
import { storefrontRoutes } from "./storefront.js";

/** The services the API calls: the resolvers', and what requests pass through before them. */
export interface ApiServices extends ResolverServices {
  /** Reads the bearer token of each request. */
  tokens: AuthTokens;
  /** Limits mutations per member (the GraphQL plugin). */
  rateLimiter: RateLimiter;
}

export interface ApiServerDeps {
  config: Config;
  log: Logger;
  database: Database;
  redis: RedisClient;
  services: ApiServices;
  /** The event queues, for the backlog gauges on /metrics. */
  queues: ReadonlyArray<Queue<OrderEventJob>>;
}

export interface ApiServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops taking connections, lets in-flight requests finish (up to the grace period), then returns. */
  stop(): Promise<void>;
  /** The port /metrics has to itself under METRICS_PORT, once listening; null without one. */
  metricsPort(): number | null;
}

export async function createApiServer({
  config,
  log,
  database,
  redis,
  services,
  queues,
}: ApiServerDeps): Promise<ApiServer> {
  const app = express();
  app.disable("x-powered-by");
  const clientIpOf = clientAddressOf(config.trustProxy);
  // Requests are addressed by clientIpOf; Express gets the same trust for what it derives itself
  // (req.ip, req.protocol from X-Forwarded-Proto).
  app.set("trust proxy", proxyTrust(config.trustProxy));
  app.use(requestLogging(log));
  registerBacklogGauges({ deliveryBacklog: () => deliveryBacklog(database.db), queues });
  // Plain GraphQL POSTs skip Express once Apollo has started (graphql-post.ts); all else is Express's.
  let graphqlPost: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null = null;
  const httpServer = http.createServer((req, res) => {
    if (graphqlPost && isPlainGraphqlPost(req)) graphqlPost(req, res);
    else app(req, res);
  });

  const limits = graphqlLimits({ introspection: config.graphqlIntrospection });
  const schema = await buildGraphQLSchema(services);
  const apollo = new ApolloServer<GraphQLContext>({
    gateway: compiledExecutionGateway(schema, {
      maxBytes: config.graphqlCompiledCacheMiB * 1024 * 1024,
      compileAfter: config.graphqlCompileAfter,
    }),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.graphqlIntrospection,
    parseOptions: limits.parseOptions,
    documentStore: createDocumentStore(config.graphqlDocumentCacheMiB),
    validationRules: limits.validationRules,
    // The composition root owns SIGTERM: it stops the API, then closes the pool and Redis, in order.
    // Apollo's own signal handler would race it and leave stop() hanging.
    stopOnTerminationSignals: false,
    // Apollo's own landing pages load from its CDN; the offline playground below replaces them.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      ApolloServerPluginLandingPageDisabled(),
      // No type or field carries a cache hint, so Apollo's default cache-control plugin never sets a
      // header; it would still hook every field resolver (willResolveField) of every request.
      ApolloServerPluginCacheControlDisabled(),
      internalErrorLogging(),
      metricsPlugin(),
      ...limits.plugins,
      mutationRateLimitPlugin(services.rateLimiter),
    ],
  });
  await apollo.start();

  app.use(healthRoutes(database, redis));
  app.use(pgWebhookRoute(services.checkouts.recovery, log));
  app.use(QUEUE_DASHBOARD_PATH, adminBasicAuth(services.members, clientIpOf), dashboardCsp, queueDashboard(queues));
  if (metricsOnApiPort(config)) app.get("/metrics", metricsHandler(config.metricsToken));
  else if (config.metricsPort === null)
    log.info("/metrics is not served: set METRICS_PORT (a private port) or METRICS_TOKEN");
  if (config.graphqlPlayground) {
    const playground = createPlayground("/graphql");
    app.get("/graphql", (req, res, next) => (playground.wants(req) ? playground.send(req, res) : next()));
  }
  const makeLoaders = () => createLoaders(database.db);
  const createContext = async (request: RequestFacts, req: http.IncomingMessage): Promise<GraphQLContext> =>
    new RequestContext(request, await viewerFrom(req.headers, services.tokens), makeLoaders);
  app.use(
    "/graphql",
    express.json({ limit: GRAPHQL_BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: ({ req, res }) =>
        createContext(
          {
            requestId: res.locals.requestId,
            get log() {
              return res.locals.log;
            },
            get clientIp() {
              return clientIpOf(req);
            },
          },
          req,
        ),
    }),
  );
  graphqlPost = createGraphqlPostHandler({
    apollo,
    log,
    createContext,
    clientIpOf,
  });

  // After every API route: the storefront's pages are named one by one and shadow none of them.
  app.use(storefrontRoutes(config));

  app.use(requestErrorHandler);

  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  return {
    async listen(port, host = "0.0.0.0") {
      const address = await new Promise<AddressInfo>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => resolve(httpServer.address() as AddressInfo));
      });
      if (config.metricsPort !== null)
        metricsServer = await startMetricsServer(config.metricsPort, { host, token: config.metricsToken }).catch(
          portInUse("METRICS_PORT", config.metricsPort),
        );
      return address;
    },
    async stop() {
      await apollo.stop();
      await metricsServer?.close();
    },
    metricsPort: () => metricsServer?.port ?? null,
  };
}
