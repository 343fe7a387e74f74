import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, chargePoints, createProduct, placeOrder, signUpMember } from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { TEST_ADMIN, startTestApp, type TestApp } from "../helpers/test-app.js";
import { until } from "../helpers/until.js";

const logLines: string[] = [];
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("observability", {}, { logLines });
});
afterAll(() => app.close());

const metrics = async (): Promise<string> => (await fetch(`${app.url}/metrics`)).text();
const sample = (text: string, series: string): number => {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.split(" ").at(-1)) : NaN;
};

describe("observability", () => {
  it("exposes Prometheus metrics: operations by root field and outcome, orders, backlog, queues", async () => {
    const admin = await adminToken(app);
    const product = await createProduct(app, admin, { name: "Metered", price: 100, stock: 10 });
    const member = await signUpMember(app);
    await chargePoints(app, member, 1_000);
    const before = sample(await metrics(), "orders_placed_total");
    expectData(
      await placeOrder(app, member, { items: [{ productId: product.id, quantity: 1 }], idempotencyKey: "m-1" }),
    );
    expectData(
      await placeOrder(app, member, { items: [{ productId: product.id, quantity: 1 }], idempotencyKey: "m-1" }),
    ); // a replay
    await placeOrder(app, member, { items: [{ productId: product.id, quantity: 100 }] }); // refused

    const text = await metrics();
    expect(sample(text, "orders_placed_total")).toBe(before + 1);
    expect(text).toMatch(/graphql_requests_total\{operation="mutation:placeOrder",outcome="ok"\} 2/);
    expect(text).toMatch(/graphql_requests_total\{operation="mutation:placeOrder",outcome="INSUFFICIENT_STOCK"\} 1/);
    expect(text).toMatch(/graphql_request_duration_seconds_bucket\{le="[^"]+",operation="mutation:placeOrder"\}/);
    expect(text).toMatch(/^outbox_backlog\{consumer="data-platform"\} \d+$/m);
    expect(text).toMatch(/^outbox_oldest_undelivered_seconds\{consumer="ranking"\} [\d.]+$/m);
    expect(text).toMatch(/^queue_jobs\{queue="ranking",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^# TYPE db_lock_retries_total counter$/m);
    expect(text).toMatch(/^# TYPE ranking_rebuilds_total counter$/m);
  });

  it("reports the heap kept after the last major garbage collection", async () => {
    // A full collection, as V8 runs one when the heap grows (gc() is exposed for this test only).
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
    const kept = await until("a major collection observed", async () => {
      const value = sample(await metrics(), "nodejs_heap_used_after_major_gc_bytes");
      return value > 0 ? value : undefined;
    });
    // Somewhere between a bare Node heap and the whole machine.
    expect(kept).toBeGreaterThan(1024 * 1024);
    expect(kept).toBeLessThan(4 * 1024 ** 3);
  });

  it("writes JSON logs whose request lines carry the request id, and never a password or a token", async () => {
    logLines.length = 0;
    const response = await app.gql(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`,
      { input: { loginId: "logged-user", password: "super-secret-password", nickname: "Logs" } },
      { headers: { "x-request-id": "trace-abc-123" } },
    );
    const token = (expectData(response) as { signUp: { token: string } }).signUp.token;
    await app.gql(`mutation { login(loginId: "logged-user", password: "wrong-password-here") { token } }`);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const entries = logLines.map((line) => JSON.parse(line) as { msg: string; requestId?: string; path?: string });
    const requestLine = entries.find((entry) => entry.msg === "request" && entry.requestId === "trace-abc-123");
    expect(requestLine).toMatchObject({ path: "/graphql", status: 200 });
    expect(
      entries.filter((entry) => entry.msg === "request").every((entry) => typeof entry.requestId === "string"),
    ).toBe(true);
    const all = logLines.join("\n");
    for (const secret of ["super-secret-password", "wrong-password-here", token]) expect(all).not.toContain(secret);
  });

  it("logs a masked internal error with the request id of the request that hit it", async () => {
    logLines.length = 0;
    await app.database.pool.query("RENAME TABLE product TO product_hidden");
    try {
      await app.gql(`{ products { nodes { id } } }`, {}, { headers: { "x-request-id": "broken-42" } });
    } finally {
      await app.database.pool.query("RENAME TABLE product_hidden TO product");
    }
    const errorLine = logLines
      .map((line) => JSON.parse(line) as { level: number; requestId?: string; msg: string })
      .find((entry) => entry.level >= 50);
    expect(errorLine).toMatchObject({ requestId: "broken-42", msg: "internal error while executing GraphQL" });
  });
});

describe("/metrics in production", () => {
  const production = { NODE_ENV: "production", JWT_SECRET: "j".repeat(40) };
  const TOKEN = "metrics-token-0123456789abcdef-0123456789";
  const scrape = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/metrics`, { headers });

  it("is not served on the public API port unless METRICS_TOKEN is set", async () => {
    const prod = await startTestApp("metrics_production", production);
    try {
      expect((await scrape(prod.url)).status).toBe(404);
      expect(prod.metricsUrl).toBeNull();
    } finally {
      await prod.close();
    }
  });

  it("answers only the bearer of METRICS_TOKEN", async () => {
    const prod = await startTestApp("metrics_token", { ...production, METRICS_TOKEN: TOKEN });
    try {
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: `Bearer ${TOKEN.slice(1)}` },
        { authorization: `Basic ${TOKEN}` },
      ];
      for (const headers of attempts) {
        const refused = await scrape(prod.url, headers);
        expect(refused.status).toBe(401);
        expect(await refused.text()).not.toMatch(/graphql_requests_total/);
      }
      const allowed = await scrape(prod.url, { authorization: `Bearer ${TOKEN}` });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toMatch(/^# TYPE graphql_requests_total counter$/m);
    } finally {
      await prod.close();
    }
  });

  it("moves to a port of its own under METRICS_PORT, with /healthz beside it", async () => {
    const prod = await startTestApp("metrics_port", { ...production, METRICS_PORT: "0" });
    try {
      expect((await scrape(prod.url)).status).toBe(404);
      const metricsUrl = prod.metricsUrl!;
      expect(new URL(metricsUrl).port).not.toBe(new URL(prod.url).port);
      expect(await (await scrape(metricsUrl)).text()).toMatch(/^# TYPE graphql_requests_total counter$/m);
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${metricsUrl}/graphql`)).status).toBe(404); // nothing else lives there
    } finally {
      await prod.close();
    }
  });
});

describe("queue dashboard", () => {
  const basic = (loginId: string, password: string) => ({
    authorization: `Basic ${Buffer.from(`${loginId}:${password}`).toString("base64")}`,
  });

  it("is for ADMINs only: 401 without credentials, with a member's, or with a wrong password", async () => {
    const member = await signUpMember(app, "plain-member");
    for (const headers of [
      {},
      basic(member.loginId, "correct-horse-battery"),
      basic(TEST_ADMIN.loginId, "wrong-password"),
    ]) {
      const response = await fetch(`${app.url}/admin/queues`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Basic/);
    }
  });

  it("shows the event queues to an ADMIN, under a CSP that keeps the page on our origin", async () => {
    const headers = basic(TEST_ADMIN.loginId, TEST_ADMIN.password);
    const page = await fetch(`${app.url}/admin/queues`, { headers });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const api = (await (await fetch(`${app.url}/admin/queues/api/queues`, { headers })).json()) as {
      queues: Array<{ name: string }>;
    };
    expect(api.queues.map((queue) => queue.name).sort()).toEqual(["data-platform", "ranking"]);
  });
});
