import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEV_JWT_SECRET,
  FAKE_PG_KEYS,
  loadConfig,
  loadLogLevel,
  metricsOnApiPort,
  usesDevJwtSecret,
} from "./config.js";

const SECRET = "s".repeat(32);

/** Runs `fn` and returns the ConfigError it throws; fails the test if it throws nothing. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  return expect.unreachable("expected a ConfigError, but nothing was thrown");
}

describe(loadConfig.name, () => {
  it("runs a development setup against local services when nothing is set", () => {
    const config = loadConfig({});
    expect(config).toEqual({
      nodeEnv: "development",
      port: 4000,
      databaseUrl: "mysql://root@127.0.0.1:3306/ecommerce",
      databaseUrls: ["mysql://root@127.0.0.1:3306/ecommerce"],
      databaseCluster: false,
      dbPoolSize: 20,
      dbBatchTimeoutMs: 20_000,
      redisUrl: "redis://127.0.0.1:6379",
      redisCluster: false,
      redisPrefix: "shop",
      dataPlatformUrl: null,
      jwtSecret: DEV_JWT_SECRET,
      jwtTtlSeconds: 43_200,
      admin: null,
      rankingTimezone: "Asia/Seoul",
      seedDemoData: true,
      shutdownGraceMs: 10_000,
      fakePlatformPort: 4100,
      outboxSweepMs: 2_000,
      workerLockMs: 30_000,
      rankingCheckMs: 5_000,
      eventRetryBaseMs: 1_000,
      eventRetryMaxMs: 300_000,
      outboxRepublishMs: 60_000,
      outboxRepublishMaxMs: 600_000,
      workerMetricsPort: null,
      metricsPort: null,
      metricsToken: null,
      graphqlIntrospection: true,
      graphqlPlayground: true,
      graphqlDocumentCacheMiB: 32,
      graphqlCompiledCacheMiB: 16,
      graphqlCompileAfter: 2,
      rateLimits: {
        mutationBurst: 200,
        mutationsPerSecond: 50,
        mutationLeaseMs: 1_000,
        loginFailuresPerId: 10,
        loginFailuresPerIp: 100,
        loginWindowSeconds: 900,
        signUpsPerIp: 20,
        signUpWindowSeconds: 3_600,
      },
      trustProxy: 0,
      pg: {
        apiUrl: null,
        cardPayments: true,
        sdkUrl: "http://localhost:4200/v1/sdk.js",
        secretKey: FAKE_PG_KEYS.secretKey,
        clientKey: FAKE_PG_KEYS.clientKey,
        connectTimeoutMs: 3_000,
        readTimeoutMs: 30_000,
        fakePort: 4200,
      },
      checkoutTtlSeconds: 900,
      checkoutSweepMs: 30_000,
      shopPublicUrl: "http://localhost:4000",
      storefrontDir: null,
    });
    expect(usesDevJwtSecret(config)).toBe(true);
  });

  it("treats empty variables as unset", () => {
    const empty = [
      "PORT",
      "DATABASE_URL",
      "REDIS_URL",
      "REDIS_PREFIX",
      "JWT_SECRET",
      "RANKING_TIMEZONE",
      "SEED_DEMO_DATA",
    ];
    expect(loadConfig(Object.fromEntries(empty.map((name) => [name, ""])))).toEqual(loadConfig({}));
  });

  it("reads every setting it is given", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      PORT: "8080",
      DATABASE_URL: "mariadb://app:pw@db:3306/shop",
      DB_POOL_SIZE: "50",
      DB_BATCH_TIMEOUT_MS: "15000",
      REDIS_URL: "rediss://cache:6380",
      REDIS_CLUSTER: "true",
      REDIS_PREFIX: "test_orders_ab12",
      DATA_PLATFORM_URL: "https://events.example.com/orders",
      JWT_SECRET: SECRET,
      JWT_TTL_SECONDS: "3600",
      ADMIN_LOGIN_ID: "root.admin",
      ADMIN_PASSWORD: "admin-pass-1234",
      RANKING_TIMEZONE: "UTC",
      SEED_DEMO_DATA: "yes",
      SHUTDOWN_GRACE_MS: "0",
      FAKE_PLATFORM_PORT: "4200",
      OUTBOX_SWEEP_MS: "500",
      WORKER_LOCK_MS: "5000",
      RANKING_CHECK_MS: "1000",
      EVENT_RETRY_BASE_MS: "250",
      EVENT_RETRY_MAX_MS: "60000",
      OUTBOX_REPUBLISH_MS: "5000",
      OUTBOX_REPUBLISH_MAX_MS: "120000",
      WORKER_METRICS_PORT: "9464",
      METRICS_PORT: "9465",
      METRICS_TOKEN: "m".repeat(32),
      GRAPHQL_PLAYGROUND: "true",
      GRAPHQL_DOCUMENT_CACHE_MB: "8",
      GRAPHQL_COMPILED_CACHE_MB: "0",
      GRAPHQL_COMPILE_AFTER: "5",
      RATE_LIMIT_MUTATION_BURST: "10",
      RATE_LIMIT_MUTATIONS_PER_SECOND: "2",
      RATE_LIMIT_LEASE_MS: "0",
      RATE_LIMIT_LOGIN_FAILURES: "3",
      RATE_LIMIT_LOGIN_FAILURES_PER_IP: "30",
      RATE_LIMIT_LOGIN_WINDOW_SECONDS: "60",
      RATE_LIMIT_SIGNUPS_PER_IP: "5",
      RATE_LIMIT_SIGNUP_WINDOW_SECONDS: "600",
      TRUST_PROXY: "loopback, 10.0.0.0/8",
      PG_API_URL: "https://api.tosspayments.com/",
      PG_SDK_URL: "https://js.tosspayments.com/v1/payment",
      PG_SECRET_KEY: "live_sk_abc",
      PG_CLIENT_KEY: "live_ck_abc",
      PG_CONNECT_TIMEOUT_MS: "2000",
      PG_READ_TIMEOUT_MS: "60000",
      FAKE_PG_PORT: "4300",
      CHECKOUT_TTL_SECONDS: "600",
      CHECKOUT_SWEEP_MS: "5000",
      SHOP_PUBLIC_URL: "https://shop.example.com",
      STOREFRONT_DIR: "/srv/storefront",
    });
    expect(config).toEqual({
      nodeEnv: "production",
      port: 8080,
      databaseUrl: "mariadb://app:pw@db:3306/shop",
      databaseUrls: ["mariadb://app:pw@db:3306/shop"],
      databaseCluster: false,
      dbPoolSize: 50,
      dbBatchTimeoutMs: 15_000,
      redisUrl: "rediss://cache:6380",
      redisCluster: true,
      redisPrefix: "test_orders_ab12",
      dataPlatformUrl: "https://events.example.com/orders",
      jwtSecret: SECRET,
      jwtTtlSeconds: 3600,
      admin: { loginId: "root.admin", password: "admin-pass-1234" },
      rankingTimezone: "UTC",
      seedDemoData: true,
      shutdownGraceMs: 0,
      fakePlatformPort: 4200,
      outboxSweepMs: 500,
      workerLockMs: 5_000,
      rankingCheckMs: 1_000,
      eventRetryBaseMs: 250,
      eventRetryMaxMs: 60_000,
      outboxRepublishMs: 5_000,
      outboxRepublishMaxMs: 120_000,
      workerMetricsPort: 9464,
      metricsPort: 9465,
      metricsToken: "m".repeat(32),
      graphqlIntrospection: false,
      graphqlPlayground: true,
      graphqlDocumentCacheMiB: 8,
      graphqlCompiledCacheMiB: 0,
      graphqlCompileAfter: 5,
      rateLimits: {
        mutationBurst: 10,
        mutationsPerSecond: 2,
        mutationLeaseMs: 0,
        loginFailuresPerId: 3,
        loginFailuresPerIp: 30,
        loginWindowSeconds: 60,
        signUpsPerIp: 5,
        signUpWindowSeconds: 600,
      },
      trustProxy: ["loopback", "10.0.0.0/8"],
      pg: {
        apiUrl: "https://api.tosspayments.com/",
        cardPayments: true,
        sdkUrl: "https://js.tosspayments.com/v1/payment",
        secretKey: "live_sk_abc",
        clientKey: "live_ck_abc",
        connectTimeoutMs: 2_000,
        readTimeoutMs: 60_000,
        fakePort: 4300,
      },
      checkoutTtlSeconds: 600,
      checkoutSweepMs: 5_000,
      shopPublicUrl: "https://shop.example.com",
      storefrontDir: "/srv/storefront",
    });
    expect(usesDevJwtSecret(config)).toBe(false);
  });

  describe("the card PG", () => {
    it("wants both keys of a PG named by PG_API_URL", () => {
      for (const keys of [{}, { PG_SECRET_KEY: "sk" }, { PG_CLIENT_KEY: "ck" }])
        expect(configError(() => loadConfig({ PG_API_URL: "https://pg.example.com", ...keys })).message).toMatch(
          /PG_SECRET_KEY and PG_CLIENT_KEY/,
        );
      expect(
        loadConfig({ PG_API_URL: "https://pg.example.com", PG_SECRET_KEY: "sk", PG_CLIENT_KEY: "ck" }).pg.sdkUrl,
      ).toBe("https://pg.example.com/v1/sdk.js");
    });

    it("takes no card payments in production without a PG of its own", () => {
      expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET }).pg.cardPayments).toBe(false);
      expect(loadConfig({ NODE_ENV: "development" }).pg.cardPayments).toBe(true);
    });

    it("refuses a PG URL that is not http(s)", () => {
      expect(configError(() => loadConfig({ PG_API_URL: "ftp://pg" })).message).toMatch(/PG_API_URL/);
    });
  });

  it.each(["test", "production"] as const)("recognises NODE_ENV=%s", (nodeEnv) => {
    expect(loadConfig({ NODE_ENV: nodeEnv, JWT_SECRET: SECRET }).nodeEnv).toBe(nodeEnv);
  });

  it.each(["staging", "prod", "Production"])("refuses any other NODE_ENV, such as %j", (nodeEnv) => {
    expect(configError(() => loadConfig({ NODE_ENV: nodeEnv })).message).toMatch(/NODE_ENV must be/);
  });

  describe("integers", () => {
    it.each(["0", "65535"])("accepts PORT=%s", (port) => {
      expect(loadConfig({ PORT: port }).port).toBe(Number(port));
    });

    it.each(["abc", "-1", "65536", "80.5", "80 80", "  ", "0x1F90", "1e3", " 80 "])("refuses PORT=%j", (port) => {
      expect(configError(() => loadConfig({ PORT: port })).message).toBe(
        `PORT must be an integer between 0 and 65535, got "${port}"`,
      );
    });

    it.each([
      ["DB_POOL_SIZE", "0"],
      ["DB_POOL_SIZE", "501"],
      ["DB_BATCH_TIMEOUT_MS", "99"],
      ["JWT_TTL_SECONDS", "59"],
      ["JWT_TTL_SECONDS", String(30 * 24 * 3600 + 1)],
      ["SHUTDOWN_GRACE_MS", "120001"],
      ["RATE_LIMIT_SIGNUPS_PER_IP", "0"],
      ["RATE_LIMIT_SIGNUP_WINDOW_SECONDS", "0"],
      ["RATE_LIMIT_SIGNUP_WINDOW_SECONDS", String(7 * 86_400 + 1)],
    ])("refuses %s=%s, out of its range", (name, value) => {
      expect(configError(() => loadConfig({ [name]: value })).message).toMatch(
        new RegExp(`^${name} must be an integer`),
      );
    });

    it("refuses a retry cap below the delay it doubles from", () => {
      expect(configError(() => loadConfig({ EVENT_RETRY_BASE_MS: "5000", EVENT_RETRY_MAX_MS: "4000" })).message).toBe(
        'EVENT_RETRY_MAX_MS must be an integer between 5000 and 3600000, got "4000"',
      );
      expect(
        configError(() => loadConfig({ OUTBOX_REPUBLISH_MS: "5000", OUTBOX_REPUBLISH_MAX_MS: "100" })).message,
      ).toMatch(/^OUTBOX_REPUBLISH_MAX_MS must be an integer between 5000/);
    });

    it("raises a cap left unset to the delay it doubles from", () => {
      expect(loadConfig({ EVENT_RETRY_BASE_MS: "600000" }).eventRetryMaxMs).toBe(600_000);
      expect(loadConfig({ OUTBOX_REPUBLISH_MS: "3600000" }).outboxRepublishMaxMs).toBe(3_600_000);
    });
  });

  describe("URLs", () => {
    it.each([
      ["DATABASE_URL", "not a url"],
      ["REDIS_URL", "127.0.0.1:6379:x"],
      ["DATA_PLATFORM_URL", "//events.example.com"],
    ])("refuses %s=%j as not a URL", (name, value) => {
      expect(configError(() => loadConfig({ [name]: value })).message).toBe(`${name} is not a URL`);
    });

    it.each([
      ["DATABASE_URL", "postgres://db/shop", "mysql: or mariadb:"],
      ["REDIS_URL", "http://cache:6379", "redis: or rediss:"],
      ["DATA_PLATFORM_URL", "ftp://events.example.com", "http: or https:"],
    ])("refuses %s=%s for its protocol", (name, value, allowed) => {
      expect(configError(() => loadConfig({ [name]: value })).message).toBe(`${name} must use ${allowed}`);
    });
  });

  describe("DATABASE_URLS", () => {
    const nodes = "mysql://app:pw@db1:3306/shop, mysql://app:pw@db2:3306/shop,mysql://app:pw@db3:3307/shop";

    it("replaces DATABASE_URL with the nodes in the order given, the first one starting the service", () => {
      const config = loadConfig({ DATABASE_URL: "mysql://root@127.0.0.1:3306/other", DATABASE_URLS: nodes });
      expect(config.databaseUrls).toEqual([
        "mysql://app:pw@db1:3306/shop",
        "mysql://app:pw@db2:3306/shop",
        "mysql://app:pw@db3:3307/shop",
      ]);
      expect(config.databaseUrl).toBe("mysql://app:pw@db1:3306/shop");
      expect(config.databaseCluster).toBe(true);
    });

    it("takes one node as a cluster too (its state is probed), and ignores an empty value", () => {
      expect(loadConfig({ DATABASE_URLS: "mysql://db1/shop" })).toMatchObject({
        databaseUrls: ["mysql://db1/shop"],
        databaseCluster: true,
      });
      expect(loadConfig({ DATABASE_URLS: " " }).databaseCluster).toBe(false);
    });

    it.each([
      ["mysql://db1/shop,,mysql://db2/shop", "DATABASE_URLS has an empty entry"],
      ["mysql://db1/shop,db2", "DATABASE_URLS entry 2 is not a URL"],
      ["mysql://db1/shop,postgres://db2/shop", "DATABASE_URLS entry 2 must use mysql: or mariadb:"],
      ["mysql://db1/shop,mysql://db2/other", "DATABASE_URLS must name the same database on every node"],
      ["mysql://db1/shop,mysql://u@db1/shop", "DATABASE_URLS lists a node twice"],
    ])("refuses %j", (value, message) => {
      expect(configError(() => loadConfig({ DATABASE_URLS: value })).message).toBe(message);
    });
  });

  describe("JWT_SECRET", () => {
    it.each([
      ["missing", undefined],
      ["empty", ""],
      ["too short", "s".repeat(31)],
    ])("is required in production, and refused when %s", (_, secret) => {
      expect(configError(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: secret })).message).toMatch(
        /required when NODE_ENV=production/,
      );
    });

    it("refuses a secret shorter than 32 characters outside production too", () => {
      expect(configError(() => loadConfig({ JWT_SECRET: "s".repeat(31) })).message).toBe(
        "JWT_SECRET must be at least 32 characters",
      );
    });
  });

  describe("metrics", () => {
    it("refuses a METRICS_TOKEN shorter than 32 characters", () => {
      expect(configError(() => loadConfig({ METRICS_TOKEN: "m".repeat(31) })).message).toBe(
        "METRICS_TOKEN must be at least 32 characters",
      );
    });

    it("refuses METRICS_PORT on the API's own port", () => {
      expect(configError(() => loadConfig({ PORT: "8080", METRICS_PORT: "8080" })).message).toBe(
        "METRICS_PORT must differ from PORT",
      );
      expect(loadConfig({ PORT: "0", METRICS_PORT: "0" }).metricsPort).toBe(0); // both pick a free port
    });

    it.each([
      ["development, nothing set", {}, true],
      ["development, METRICS_PORT set", { METRICS_PORT: "9465" }, false],
      ["production, nothing set", { NODE_ENV: "production", JWT_SECRET: SECRET }, false],
      [
        "production, METRICS_TOKEN set",
        { NODE_ENV: "production", JWT_SECRET: SECRET, METRICS_TOKEN: "m".repeat(32) },
        true,
      ],
      ["production, METRICS_PORT set", { NODE_ENV: "production", JWT_SECRET: SECRET, METRICS_PORT: "9465" }, false],
    ])("serves /metrics on the API port in %s: %s", (_, env, expected) => {
      expect(metricsOnApiPort(loadConfig(env))).toBe(expected);
    });
  });

  describe("RANKING_TIMEZONE", () => {
    it.each(["UTC", "Europe/Berlin", "America/New_York"])("accepts the IANA zone %s", (zone) => {
      expect(loadConfig({ RANKING_TIMEZONE: zone }).rankingTimezone).toBe(zone);
    });

    it.each(["Mars/Olympus_Mons", "KST+9", "Seoul"])("refuses %j", (zone) => {
      expect(configError(() => loadConfig({ RANKING_TIMEZONE: zone })).message).toBe(
        `RANKING_TIMEZONE is not a known IANA time zone: "${zone}"`,
      );
    });
  });

  describe("SEED_DEMO_DATA", () => {
    it.each(["1", "true", "TRUE", "yes", "Yes"])("reads %j as on, even in production", (value) => {
      expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET, SEED_DEMO_DATA: value }).seedDemoData).toBe(true);
    });

    it.each(["0", "false", "False", "no", "NO"])("reads %j as off", (value) => {
      expect(loadConfig({ SEED_DEMO_DATA: value }).seedDemoData).toBe(false);
    });

    it("is off by default in production", () => {
      expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET }).seedDemoData).toBe(false);
    });

    it.each(["maybe", "on", "2"])("refuses %j", (value) => {
      expect(configError(() => loadConfig({ SEED_DEMO_DATA: value })).message).toBe(
        `SEED_DEMO_DATA must be true or false, got "${value}"`,
      );
    });
  });

  describe("admin", () => {
    it.each([
      ["only ADMIN_LOGIN_ID is set", { ADMIN_LOGIN_ID: "admin" }],
      ["only ADMIN_PASSWORD is set", { ADMIN_PASSWORD: "admin-pass-1234" }],
      ["ADMIN_PASSWORD is empty", { ADMIN_LOGIN_ID: "admin", ADMIN_PASSWORD: "" }],
    ])("refuses a half-set admin when %s", (_, env) => {
      expect(configError(() => loadConfig(env)).message).toMatch(/both ADMIN_LOGIN_ID and ADMIN_PASSWORD/);
    });

    it("creates no admin when neither is set", () => {
      expect(loadConfig({}).admin).toBeNull();
    });
  });

  describe("TRUST_PROXY", () => {
    it.each(["", "false", "FALSE", "0"])("trusts no proxy for %j", (value) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(0);
    });

    it.each([
      ["1", 1],
      ["2", 2],
      ["10", 10],
    ])("reads %j as that many proxy hops", (value, hops) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(hops);
    });

    it.each([
      ["10.0.0.1", ["10.0.0.1"]],
      ["loopback", ["loopback"]],
      [" 10.0.0.0/8 , fd00::/8,uniquelocal ", ["10.0.0.0/8", "fd00::/8", "uniquelocal"]],
      ["192.168.0.0/255.255.0.0, ::1", ["192.168.0.0/255.255.0.0", "::1"]],
    ])("reads %j as the proxies' addresses and subnets", (value, proxies) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(proxies);
    });

    it.each(["true", "True", "TRUE"])("refuses %j, which would trust every hop, saying what is accepted", (value) => {
      const message = configError(() => loadConfig({ TRUST_PROXY: value })).message;
      expect(message).toMatch(/^TRUST_PROXY=".*" is refused: it would trust every hop/);
      expect(message).toContain("Accepted: false, a number of proxy hops from 0 to 10");
      expect(message).toContain("comma-separated list of the proxies' addresses or subnets");
    });

    it.each([
      ["11", /more than 10 hops/],
      ["yes", /invalid IP address: yes/],
      ["-1", /invalid IP address: -1/],
      ["10.0.0.0/33", /invalid range on address: 10.0.0.0\/33/],
      ["10.0.0.1,", /an empty entry in the list/],
      ["Loopback", /invalid IP address: Loopback/],
    ])("refuses %j, saying why and what is accepted", (value, why) => {
      const message = configError(() => loadConfig({ TRUST_PROXY: value })).message;
      expect(message).toMatch(why);
      expect(message).toContain("Accepted: ");
    });
  });
});

describe(loadLogLevel.name, () => {
  it("logs at info when LOG_LEVEL is unset or empty", () => {
    expect(loadLogLevel({})).toBe("info");
    expect(loadLogLevel({ LOG_LEVEL: "" })).toBe("info");
  });

  it.each(["fatal", "error", "warn", "info", "debug", "trace", "silent"])("takes pino's level %s", (level) => {
    expect(loadLogLevel({ LOG_LEVEL: level })).toBe(level);
  });

  it.each(["verbose", "INFO", "10"])("refuses %j, naming LOG_LEVEL and the levels it takes", (level) => {
    expect(configError(() => loadLogLevel({ LOG_LEVEL: level })).message).toBe(
      `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${level}"`,
    );
  });
});
