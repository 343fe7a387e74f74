import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "../src/paths.js";

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
}

const root = repositoryRoot();
const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, Service> };
const dockerfile = readFileSync(path.join(root, "Dockerfile"), "utf8");
const { services } = compose;

/** No Docker engine runs here, so the files are checked as a person reviewing them would. */
describe("docker-compose.yml", () => {
  it("runs MySQL 8.4 and Redis 7 with health checks", () => {
    expect(services.mysql?.image).toBe("mysql:8.4");
    expect(services.redis?.image).toMatch(/^redis:7/);
    expect(services.mysql?.healthcheck?.test).toBeDefined();
    expect(services.redis?.healthcheck?.test).toBeDefined();
  });

  it("builds the api and the worker from the repository's Dockerfile, each with its entry point and a health check", () => {
    for (const [name, entry] of [["api", "dist/src/api.js"], ["worker", "dist/src/worker.js"], ["data-platform", "dist/src/data-platform/main.js"]] as const) {
      const service = services[name]!;
      expect(service.build, name).toBe(".");
      expect(service.command, name).toContain(entry);
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test, name).toBeDefined();
    }
  });

  it("starts the api after healthy databases, and the worker after a healthy api (migrations done)", () => {
    expect(services.api?.depends_on).toMatchObject({ mysql: { condition: "service_healthy" }, redis: { condition: "service_healthy" } });
    expect(services.worker?.depends_on).toMatchObject({
      mysql: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
      api: { condition: "service_healthy" },
    });
  });

  it("configures the api and worker with the variables SPEC.md names", () => {
    for (const name of ["api", "worker"]) {
      const env = services[name]!.environment!;
      expect(env.DATABASE_URL, name).toMatch(/^mysql:\/\/.+@mysql:3306\/ecommerce$/);
      expect(env.REDIS_URL, name).toBe("redis://redis:6379");
      expect(env.DATA_PLATFORM_URL, name).toBe("http://data-platform:4100/events");
      expect(env.JWT_SECRET!.length, name).toBeGreaterThanOrEqual(32);
      expect(env.NODE_ENV, name).toBe("production");
      expect(env.RANKING_TIMEZONE, name).toBe("Asia/Seoul");
    }
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
