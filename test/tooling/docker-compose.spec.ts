import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfig, metricsOnApiPort } from "../../src/config/config.js";
import { repositoryRoot } from "../../src/process/paths.js";

interface Service {
  image?: string;
  ports?: string[];
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
}

const root = repositoryRoot();
const composeText = readFileSync(path.join(root, "docker-compose.yml"), "utf8");
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const dockerfile = readFileSync(path.join(root, "Dockerfile"), "utf8");
const { services } = compose;

/** `.env.example` as KEY → value (comments and blank lines dropped). */
const envExample = new Map(
  readFileSync(path.join(root, ".env.example"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const),
);

/**
 * Compose's interpolation of one value, as `docker compose config` does it: `${VAR}`, `${VAR:-default}`
 * (unset or empty), `${VAR-default}` (unset), `${VAR:?message}` / `${VAR?message}` (fail with the
 * message), `$$` for a literal `$`. No Docker engine runs here, so the file is resolved by hand.
 */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (_whole, name: string | undefined, colon: string, kind: string, rest: string) => {
      if (name === undefined) return "$";
      const given = env[name];
      const missing = given === undefined || (colon === ":" && given === "");
      if (!missing) return given;
      if (kind === "?") throw new Error(`required variable ${name} is missing a value: ${rest}`);
      return kind === "-" ? rest : "";
    },
  );
}

/** A service's environment as its container gets it from `env` (the shell and `.env`). */
const resolvedEnvironment = (name: string, env: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(services[name]!.environment ?? {}).map(([key, value]) => [key, interpolate(value, env)]),
  );

/** Variables the compose file requires (`${VAR:?...}`). */
const required = [...new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((match) => match[1]!))].sort();

/** What a user's `.env` holds once filled in: every required secret, nothing optional. */
const filledIn: Record<string, string> = {
  JWT_SECRET: "j".repeat(64),
  MYSQL_ROOT_PASSWORD: "r".repeat(48),
  MYSQL_PASSWORD: "p".repeat(48),
  ADMIN_PASSWORD: "a".repeat(24),
  PG_SECRET_KEY: "k".repeat(64),
};

/** No Docker engine runs here, so the files are checked as a person reviewing them would. */
describe("docker-compose.yml", () => {
  it("runs MySQL 8.4 and Redis 7 with health checks", () => {
    expect(services.mysql?.image).toBe("mysql:8.4");
    expect(services.redis?.image).toMatch(/^redis:7/);
    expect(services.mysql?.healthcheck?.test).toBeDefined();
    expect(services.redis?.healthcheck?.test).toBeDefined();
  });

  it("builds the api and the worker from the repository's Dockerfile, each with its entry point and a health check", () => {
    for (const [name, entry] of [
      ["api", "dist/src/app/api.js"],
      ["worker", "dist/src/app/worker.js"],
      ["data-platform", "dist/src/fake-data-platform/main.js"],
      ["fake-pg", "dist/src/fake-payment-gateway/main.js"],
    ] as const) {
      const service = services[name]!;
      expect(service.build, name).toBe(".");
      expect(service.command, name).toContain(entry);
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test, name).toBeDefined();
    }
  });

  it("starts the api after healthy databases, and the worker after a healthy api (migrations done)", () => {
    expect(services.api?.depends_on).toMatchObject({
      mysql: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    expect(services.worker?.depends_on).toMatchObject({
      mysql: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
      api: { condition: "service_healthy" },
    });
  });

  it("configures the api and worker with the variables SPEC.md names", () => {
    for (const name of ["api", "worker"]) {
      const env = resolvedEnvironment(name, filledIn);
      expect(env.DATABASE_URL, name).toBe(`mysql://shop:${filledIn.MYSQL_PASSWORD}@mysql:3306/ecommerce`);
      expect(env.REDIS_URL, name).toBe("redis://redis:6379");
      expect(env.DATA_PLATFORM_URL, name).toBe("http://data-platform:4100/events");
      expect(env.JWT_SECRET, name).toBe(filledIn.JWT_SECRET);
      expect(env.NODE_ENV, name).toBe("production");
      expect(env.RANKING_TIMEZONE, name).toBe("Asia/Seoul");
      expect(env.PG_API_URL, name).toBe("http://fake-pg:4200");
      expect(env.PG_SECRET_KEY, name).toBe(filledIn.PG_SECRET_KEY);
      expect(() => loadConfig(env), name).not.toThrow();
    }
  });

  it("commits no secret: every password, secret and token is a required or empty variable", () => {
    const secretKey = /SECRET|PASSWORD|TOKEN/;
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!secretKey.test(key)) continue;
        expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+(:\?[^}]+|:-)\}$/);
      }
    }
    // The database password inside the URL too, and the app does not connect as root.
    expect(services.api!.environment!.DATABASE_URL).toMatch(/^mysql:\/\/shop:\$\{MYSQL_PASSWORD:\?[^}]+\}@/);
    expect(composeText).not.toMatch(/change-me|CHANGE ME/i);
    expect(required).toEqual([
      "ADMIN_PASSWORD",
      "JWT_SECRET",
      "MYSQL_PASSWORD",
      "MYSQL_ROOT_PASSWORD",
      "PG_SECRET_KEY",
    ]);
  });

  it.each(["ADMIN_PASSWORD", "JWT_SECRET", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "PG_SECRET_KEY"])(
    "refuses to start without %s, naming it and .env.example",
    (missing) => {
      const service = missing.startsWith("MYSQL_ROOT") ? "mysql" : "api";
      for (const env of [
        { ...filledIn, [missing]: undefined },
        { ...filledIn, [missing]: "" },
      ]) {
        expect(() => resolvedEnvironment(service, env as Record<string, string>)).toThrow(
          new RegExp(`${missing}.*\\.env\\.example`),
        );
      }
    },
  );

  it("runs without demo data, introspection or public metrics, unless .env asks for demo data", () => {
    const config = loadConfig(resolvedEnvironment("api", filledIn));
    expect(config.nodeEnv).toBe("production");
    expect(config.seedDemoData).toBe(false);
    expect(config.graphqlIntrospection).toBe(false);
    expect(config.admin).toEqual({ loginId: "admin", password: filledIn.ADMIN_PASSWORD });
    expect(metricsOnApiPort(config)).toBe(false);
    expect(config.metricsPort).toBe(9465);
    expect(services.api!.ports).toContain("127.0.0.1:9465:9465");
    expect(services.worker!.ports).toEqual(["127.0.0.1:9464:9464"]);
    expect(loadConfig(resolvedEnvironment("api", { ...filledIn, SEED_DEMO_DATA: "true" })).seedDemoData).toBe(true);
  });
});

describe(".env.example", () => {
  it("lists every variable the compose file reads, secrets with no value", () => {
    const read = [...new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!))].sort();
    expect([...envExample.keys()].sort()).toEqual(read);
    for (const name of read) if (/SECRET|PASSWORD|TOKEN/.test(name)) expect(envExample.get(name), name).toBe("");
  });

  it("is committed, while .env is ignored by git and kept out of the image", () => {
    expect(readFileSync(path.join(root, ".gitignore"), "utf8").split("\n")).toContain(".env");
    expect(readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n")).toContain(".env");
  });
});

describe("Dockerfile", () => {
  it("is multi-stage, installs only production dependencies in the final stage and runs as a non-root user", () => {
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const final = stages.at(-1)!;
    expect(final).toMatch(/npm ci --omit=dev/);
    expect(final).toMatch(/^USER (?!root)\S+/m);
    expect(final).toMatch(/COPY --from=build \/app\/dist/);
    expect(final).toMatch(/COPY --from=build \/app\/drizzle/);
  });
});
