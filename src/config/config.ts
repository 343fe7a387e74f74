import proxyaddr from "proxy-addr";
import { present } from "../shared/present.js";

/**
 * src/config is the only reader of process.env (this file, and fake-platform-config.ts for the fake
 * platform's own settings). Every setting is parsed and checked once at start-up, so a typo in an
 * environment variable stops the process with a clear message instead of failing a request later.
 *
 * Plain functions rather than a schema library (zod, envalid): the parsing is five small helpers,
 * and what matters is beyond a per-variable schema: defaults that follow NODE_ENV or another
 * variable, bounds that follow another (EVENT_RETRY_MAX_MS from EVENT_RETRY_BASE_MS), rules across
 * variables (METRICS_PORT apart from PORT, both ADMIN_* or neither), TRUST_PROXY checked by
 * proxy-addr and time zones by Intl. A library would hold those as custom refinements anyway, for a
 * dependency more; this way each message names the variable and the value, and config.spec.ts
 * covers them.
 */
export interface Config {
  nodeEnv: "development" | "production" | "test";
  port: number;
  /** The database the service starts on: DATABASE_URL, or the first node of DATABASE_URLS. */
  databaseUrl: string;
  /** DATABASE_URLS: a cluster's nodes in order of preference (Galera); else just databaseUrl. */
  databaseUrls: string[];
  /** DATABASE_URLS was set: the nodes are probed and the writes follow the first writable one. */
  databaseCluster: boolean;
  dbPoolSize: number;
  /**
   * Longest wait for the answer to one batch of an order transaction; past it the connection is
   * given up and its session killed (a half-open connection). Keep it above the lock wait (10 s).
   */
  dbBatchTimeoutMs: number;
  redisUrl: string;
  /** REDIS_CLUSTER=true: REDIS_URL is a seed node of a Redis Cluster. */
  redisCluster: boolean;
  /** Prefix of every Redis key and of the BullMQ queues; tests give each file its own. */
  redisPrefix: string;
  /** Unset: `npm start` runs the bundled fake platform and points here at it. */
  dataPlatformUrl: string | null;
  jwtSecret: string;
  jwtTtlSeconds: number;
  admin: { loginId: string; password: string } | null;
  rankingTimezone: string;
  /** Demo products and logins when the database is empty; off in production unless asked for. */
  seedDemoData: boolean;
  /** How long SIGTERM waits for in-flight requests before closing connections anyway. */
  shutdownGraceMs: number;
  /** Where `npm start` runs the bundled fake data platform when DATA_PLATFORM_URL is unset. */
  fakePlatformPort: number;
  /** How often the outbox relay sweeps for events a commit-time publish missed. */
  outboxSweepMs: number;
  /** A job claimed by a worker that stops heartbeating (killed) is handed out again after this. */
  workerLockMs: number;
  /** How often the worker checks that the ranking is still built in Redis. */
  rankingCheckMs: number;
  /** First retry delay of an event job; it doubles with every attempt, up to eventRetryMaxMs. */
  eventRetryBaseMs: number;
  /** The longest an event job waits between attempts; it is retried at this pace for as long as it fails. */
  eventRetryMaxMs: number;
  /**
   * How long an event a consumer has not confirmed waits after being published before the worker's
   * sweep publishes it again (whatever became of its job); doubles each time, up to outboxRepublishMaxMs.
   */
  outboxRepublishMs: number;
  outboxRepublishMaxMs: number;
  /** Where a worker run on its own serves /metrics and /healthz; unset: no HTTP in the worker. */
  workerMetricsPort: number | null;
  /**
   * Where the API serves /metrics (and /healthz) on a listener of its own, to keep off the public
   * network; /metrics then leaves the API port. Unset: see metricsOnApiPort.
   */
  metricsPort: number | null;
  /** When set, /metrics answers only `Authorization: Bearer <token>`, on whichever port serves it. */
  metricsToken: string | null;
  /** Schema introspection; off in production unless asked for (it maps the whole API for a scraper). */
  graphqlIntrospection: boolean;
  /** The GraphiQL page at /graphql; off in production unless asked for. */
  graphqlPlayground: boolean;
  /** Memory for parsed and validated GraphQL documents (src/graphql/document-store.ts), in MiB. */
  graphqlDocumentCacheMiB: number;
  /** Memory for compiled hot documents (src/graphql/compiled-execution.ts), in MiB; 0: graphql-js only. */
  graphqlCompiledCacheMiB: number;
  graphqlCompileAfter: number;
  rateLimits: RateLimits;
  /** Which hops may say who the client is in X-Forwarded-For (src/http/client-address.ts). */
  trustProxy: TrustProxy;
  pg: PgConfig;
  /** CHECKOUT_TTL_SECONDS: how long a checkout holds its stock and points. */
  checkoutTtlSeconds: number;
  /** How often the worker sweeps checkouts (lapsed reservations, confirms to ask about) and PG refunds. */
  checkoutSweepMs: number;
  /** SHOP_PUBLIC_URL: where the PG's success and fail redirects send the buyer (the storefront). */
  shopPublicUrl: string;
  /** STOREFRONT_DIR: the built storefront the API serves at /; null: dist/web (src/http/storefront.ts). */
  storefrontDir: string | null;
}

/** The card PG (Toss Payments v1 API), README "Card payments". */
export interface PgConfig {
  /** PG_API_URL; null: `npm start` runs the bundled fake PG on fakePort and points here at it. */
  apiUrl: string | null;
  /** False in production without PG_API_URL: startCheckout is refused, points still pay. */
  cardPayments: boolean;
  /** Where the browser loads the PG's SDK (PG_SDK_URL, by default the API's /v1/sdk.js). */
  sdkUrl: string;
  secretKey: string;
  clientKey: string;
  connectTimeoutMs: number;
  /** Longest wait for a whole answer once connected; a confirm past it is "outcome unknown". */
  readTimeoutMs: number;
  /** FAKE_PG_PORT: where `npm start` runs the bundled fake PG when PG_API_URL is unset. */
  fakePort: number;
}

/**
 * The bundled fake PG's test keys, the defaults while PG_API_URL is unset (its own defaults too:
 * src/config/fake-pg-config.ts). Like Toss's published test keys they guard nothing.
 */
export const FAKE_PG_KEYS = {
  secretKey: "test_sk_fakepg_0000000000000000",
  clientKey: "test_ck_fakepg_0000000000000000",
} as const;

/** Limits on what money-moving callers may do (src/modules/rate-limit), RATE_LIMIT_* in README. */
export interface RateLimits {
  /** Mutations a member may send at once. */
  mutationBurst: number;
  /** ...and sustained, per second. Defaults far above any shopper, flash sale included. */
  mutationsPerSecond: number;
  /**
   * How long an API process may keep mutation tokens it took from the member's bucket ahead of use
   * (RATE_LIMIT_LEASE_MS; 0: every mutation asks Redis).
   */
  mutationLeaseMs: number;
  /** Failed logins of one loginId within the window that lock it for the rest of the window. */
  loginFailuresPerId: number;
  /** Failed logins from one IP within the window (a password-spraying source). */
  loginFailuresPerIp: number;
  loginWindowSeconds: number;
  /** Sign-ups from one address within the window: each costs a password hash and a member row. */
  signUpsPerIp: number;
  signUpWindowSeconds: number;
}

/**
 * Express's `trust proxy` forms, less "trust every hop": a number of proxy hops in front of the API
 * (0: none, the socket's peer is the client), or the proxies' addresses and subnets (proxy-addr's
 * notation: `10.0.0.0/8`, `fd00::/8`, `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = number | string[];

export type Env = Record<string, string | undefined>;

export const DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef";

export class ConfigError extends Error {
  override name = "ConfigError";
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

// More hops than any real chain of proxies would trust entries the client itself wrote.
const MAX_PROXY_HOPS = 10;
const TRUST_PROXY_FORMS =
  `false, a number of proxy hops from 0 to ${MAX_PROXY_HOPS} (1: one load balancer in front), ` +
  "or a comma-separated list of the proxies' addresses or subnets (e.g. 10.0.0.0/8, loopback, uniquelocal)";

function trustProxy(env: Env, name: string): TrustProxy {
  const raw = (env[name] ?? "").trim();
  const refuse = (why: string) =>
    new ConfigError(`${name}="${raw}" is refused: ${why}. Accepted: ${TRUST_PROXY_FORMS}`);
  if (raw === "" || raw.toLowerCase() === "false") return 0;
  // Express's `true` takes the left-most X-Forwarded-For entry, which any client can write itself.
  if (raw.toLowerCase() === "true")
    throw refuse("it would trust every hop, so any client could choose its own address");
  if (/^[0-9]+$/.test(raw)) {
    if (Number(raw) > MAX_PROXY_HOPS) throw refuse(`more than ${MAX_PROXY_HOPS} hops`);
    return Number(raw);
  }
  const proxies = raw.split(",").map((entry) => entry.trim());
  if (proxies.includes("")) throw refuse("an empty entry in the list");
  try {
    proxyaddr.compile(proxies);
  } catch (error) {
    throw refuse((error as Error).message);
  }
  return proxies;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string;
function url(env: Env, name: string, fallback: null, protocols: string[]): string | null;
function url(env: Env, name: string, fallback: string | null, protocols: string[]): string | null {
  const raw = env[name] || fallback;
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(" or ")}`);
  }
  return raw;
}

/**
 * DATABASE_URLS: comma-separated node URLs of one cluster, in order of preference. They must name the
 * same database (it is one database, replicated), and each node once.
 */
function clusterUrls(env: Env): string[] | null {
  const raw = env.DATABASE_URLS;
  if (!raw || raw.trim() === "") return null;
  const urls = raw.split(",").map((entry) => entry.trim());
  if (urls.includes("")) throw new ConfigError("DATABASE_URLS has an empty entry");
  // Each entry is checked as DATABASE_URL would be, and named by its place in the list.
  const parsed = urls.map((entry, index) => new URL(url({}, `DATABASE_URLS entry ${index + 1}`, entry, DB_PROTOCOLS)));
  if (new Set(parsed.map((node) => node.pathname)).size > 1) {
    throw new ConfigError("DATABASE_URLS must name the same database on every node");
  }
  if (new Set(parsed.map((node) => node.host)).size < parsed.length)
    throw new ConfigError("DATABASE_URLS lists a node twice");
  return urls;
}

const DB_PROTOCOLS = ["mysql:", "mariadb:"];

function timezone(env: Env, name: string, fallback: string): string {
  const value = env[name] || fallback;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
  } catch {
    throw new ConfigError(`${name} is not a known IANA time zone: "${value}"`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV || "development";
  if (nodeEnv !== "development" && nodeEnv !== "production" && nodeEnv !== "test") {
    // A typo such as "prod" must not quietly run with the development JWT secret and demo logins.
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnv}"`);
  }
  const jwtSecret = env.JWT_SECRET || "";
  if (nodeEnv === "production" && jwtSecret.length < 32) {
    throw new ConfigError("JWT_SECRET of at least 32 characters is required when NODE_ENV=production");
  }
  if (jwtSecret && jwtSecret.length < 32) throw new ConfigError("JWT_SECRET must be at least 32 characters");
  const metricsToken = env.METRICS_TOKEN || null;
  if (metricsToken !== null && metricsToken.length < 32)
    throw new ConfigError("METRICS_TOKEN must be at least 32 characters");
  const adminLoginId = env.ADMIN_LOGIN_ID || "";
  const adminPassword = env.ADMIN_PASSWORD || "";
  if (Boolean(adminLoginId) !== Boolean(adminPassword)) {
    throw new ConfigError("set both ADMIN_LOGIN_ID and ADMIN_PASSWORD, or neither");
  }

  const port = integer(env, "PORT", 4000, 0, 65535);
  const metricsPort = env.METRICS_PORT ? integer(env, "METRICS_PORT", 0, 0, 65535) : null;
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port)
    throw new ConfigError("METRICS_PORT must differ from PORT");
  const eventRetryBaseMs = integer(env, "EVENT_RETRY_BASE_MS", 1_000, 10, 600_000);
  // DATABASE_URLS, when set, replaces DATABASE_URL.
  const cluster = clusterUrls(env);
  const databaseUrls = cluster ?? [url(env, "DATABASE_URL", "mysql://root@127.0.0.1:3306/ecommerce", DB_PROTOCOLS)];
  const outboxRepublishMs = integer(env, "OUTBOX_REPUBLISH_MS", 60_000, 100, 86_400_000);

  return {
    nodeEnv,
    port,
    databaseUrl: present(databaseUrls[0], "the first database URL"),
    databaseUrls,
    databaseCluster: cluster !== null,
    dbPoolSize: integer(env, "DB_POOL_SIZE", 20, 1, 500),
    dbBatchTimeoutMs: integer(env, "DB_BATCH_TIMEOUT_MS", 20_000, 100, 600_000),
    redisUrl: url(env, "REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    redisCluster: boolean(env, "REDIS_CLUSTER", false),
    redisPrefix: env.REDIS_PREFIX || "shop",
    dataPlatformUrl: url(env, "DATA_PLATFORM_URL", null, ["http:", "https:"]),
    jwtSecret: jwtSecret || DEV_JWT_SECRET,
    jwtTtlSeconds: integer(env, "JWT_TTL_SECONDS", 12 * 3600, 60, 30 * 24 * 3600),
    admin: adminLoginId && adminPassword ? { loginId: adminLoginId, password: adminPassword } : null,
    rankingTimezone: timezone(env, "RANKING_TIMEZONE", "Asia/Seoul"),
    seedDemoData: boolean(env, "SEED_DEMO_DATA", nodeEnv !== "production"),
    shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_MS", 10_000, 0, 120_000),
    fakePlatformPort: integer(env, "FAKE_PLATFORM_PORT", 4100, 0, 65535),
    outboxSweepMs: integer(env, "OUTBOX_SWEEP_MS", 2_000, 50, 600_000),
    workerLockMs: integer(env, "WORKER_LOCK_MS", 30_000, 1_000, 600_000),
    rankingCheckMs: integer(env, "RANKING_CHECK_MS", 5_000, 100, 600_000),
    eventRetryBaseMs,
    // A cap is at least where the doubling starts.
    eventRetryMaxMs: integer(
      env,
      "EVENT_RETRY_MAX_MS",
      Math.max(300_000, eventRetryBaseMs),
      eventRetryBaseMs,
      3_600_000,
    ),
    outboxRepublishMs,
    outboxRepublishMaxMs: integer(
      env,
      "OUTBOX_REPUBLISH_MAX_MS",
      Math.max(600_000, outboxRepublishMs),
      outboxRepublishMs,
      86_400_000,
    ),
    workerMetricsPort: env.WORKER_METRICS_PORT ? integer(env, "WORKER_METRICS_PORT", 0, 0, 65535) : null,
    metricsPort,
    metricsToken,
    graphqlIntrospection: boolean(env, "GRAPHQL_INTROSPECTION", nodeEnv !== "production"),
    graphqlPlayground: boolean(env, "GRAPHQL_PLAYGROUND", nodeEnv !== "production"),
    graphqlDocumentCacheMiB: integer(env, "GRAPHQL_DOCUMENT_CACHE_MB", 32, 1, 4_096),
    graphqlCompiledCacheMiB: integer(env, "GRAPHQL_COMPILED_CACHE_MB", 16, 0, 4_096),
    graphqlCompileAfter: integer(env, "GRAPHQL_COMPILE_AFTER", 2, 1, 1_000),
    rateLimits: {
      mutationBurst: integer(env, "RATE_LIMIT_MUTATION_BURST", 200, 1, 1_000_000),
      mutationsPerSecond: integer(env, "RATE_LIMIT_MUTATIONS_PER_SECOND", 50, 1, 1_000_000),
      mutationLeaseMs: integer(env, "RATE_LIMIT_LEASE_MS", 1_000, 0, 60_000),
      loginFailuresPerId: integer(env, "RATE_LIMIT_LOGIN_FAILURES", 10, 1, 1_000_000),
      loginFailuresPerIp: integer(env, "RATE_LIMIT_LOGIN_FAILURES_PER_IP", 100, 1, 1_000_000),
      loginWindowSeconds: integer(env, "RATE_LIMIT_LOGIN_WINDOW_SECONDS", 15 * 60, 1, 86_400),
      signUpsPerIp: integer(env, "RATE_LIMIT_SIGNUPS_PER_IP", 20, 1, 1_000_000),
      signUpWindowSeconds: integer(env, "RATE_LIMIT_SIGNUP_WINDOW_SECONDS", 60 * 60, 1, 7 * 86_400),
    },
    trustProxy: trustProxy(env, "TRUST_PROXY"),
    pg: pgConfig(env, nodeEnv),
    checkoutTtlSeconds: integer(env, "CHECKOUT_TTL_SECONDS", 900, 1, 86_400),
    checkoutSweepMs: integer(env, "CHECKOUT_SWEEP_MS", 30_000, 100, 3_600_000),
    shopPublicUrl: url(env, "SHOP_PUBLIC_URL", `http://localhost:${port}`, ["http:", "https:"]),
    storefrontDir: env.STOREFRONT_DIR || null,
  };
}

function pgConfig(env: Env, nodeEnv: Config["nodeEnv"]): PgConfig {
  const apiUrl = url(env, "PG_API_URL", null, ["http:", "https:"]);
  const fakePort = integer(env, "FAKE_PG_PORT", 4200, 0, 65535);
  const secretKey = env.PG_SECRET_KEY || (apiUrl === null ? FAKE_PG_KEYS.secretKey : "");
  const clientKey = env.PG_CLIENT_KEY || (apiUrl === null ? FAKE_PG_KEYS.clientKey : "");
  if (secretKey === "" || clientKey === "") {
    throw new ConfigError("set PG_SECRET_KEY and PG_CLIENT_KEY: both are required when PG_API_URL is set");
  }
  const apiBase = (apiUrl ?? `http://localhost:${fakePort}`).replace(/\/+$/, "");
  return {
    apiUrl,
    // The bundled fake approves any card: in production, card payments need a PG named by PG_API_URL
    // and are refused without one (a shop may run on points alone).
    cardPayments: apiUrl !== null || nodeEnv !== "production",
    sdkUrl: url(env, "PG_SDK_URL", `${apiBase}/v1/sdk.js`, ["http:", "https:"]),
    secretKey,
    clientKey,
    connectTimeoutMs: integer(env, "PG_CONNECT_TIMEOUT_MS", 3_000, 10, 60_000),
    readTimeoutMs: integer(env, "PG_READ_TIMEOUT_MS", 30_000, 10, 300_000),
    fakePort,
  };
}

/** pino's levels, `silent` included: what LOG_LEVEL may be. */
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const isLogLevel = (raw: string): raw is LogLevel => (LOG_LEVELS as readonly string[]).includes(raw);

/**
 * LOG_LEVEL alone (default info). Read apart from loadConfig because every entry point makes its
 * logger first: a setting loadConfig refuses is then reported through that logger, as one line.
 */
export function loadLogLevel(env: Env = process.env): LogLevel {
  const raw = env.LOG_LEVEL || "info";
  if (!isLogLevel(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  return raw;
}

/** True when the dev JWT secret is in use: start-up logs a warning (never the secret itself). */
export const usesDevJwtSecret = (config: Config): boolean => config.jwtSecret === DEV_JWT_SECRET;

/**
 * Whether the API port serves /metrics. Not when METRICS_PORT gives it a port of its own; and in
 * production only behind METRICS_TOKEN: the API port is the public one, and the metrics name every
 * operation, error rate and queue backlog. Development keeps it open there, as it always was.
 */
export const metricsOnApiPort = (config: Config): boolean =>
  config.metricsPort === null && (config.nodeEnv !== "production" || config.metricsToken !== null);

/** Where Redis is, as the connection helpers take it. */
export const redisTarget = (config: Config): { url: string; cluster: boolean } => ({
  url: config.redisUrl,
  cluster: config.redisCluster,
});
