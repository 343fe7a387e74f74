import http from "node:http";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { postGraphQL, expectData } from "../helpers/graphql.js";
import net from "node:net";
import {
  runUntilExit,
  spawnServiceProcess,
  startServiceProcess,
  type ServiceProcess,
} from "../helpers/service-process.js";
import { dropDatabase, uniqueDatabaseUrl } from "../helpers/test-database.js";
import { DEMO_ADMIN, DEMO_MEMBER, DEMO_MEMBER_POINTS, DEMO_PRODUCTS } from "../../src/seed/demo-data.js";

const databaseUrl = uniqueDatabaseUrl("process");
const running: ServiceProcess[] = [];

afterAll(async () => {
  for (const service of running) service.child.kill("SIGKILL");
  await dropDatabase(databaseUrl);
});

async function databaseExists(url: string): Promise<boolean> {
  const connection = await mysql.createConnection({ uri: "mysql://root@127.0.0.1:3306" });
  try {
    const [rows] = await connection.query("SHOW DATABASES LIKE ?", [new URL(url).pathname.slice(1)]);
    return (rows as unknown[]).length === 1;
  } finally {
    await connection.end();
  }
}

/** Sends a GraphQL POST in two halves, so the request is still in flight when the test says so. */
function slowRequest(
  url: string,
  body: string,
): { finish(): void; response: Promise<{ status: number; body: string }> } {
  const request = http.request(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on("response", (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    request.on("error", reject);
  });
  return { finish: () => request.end(body.slice(half)), response };
}

describe("npm start (the service as a process)", () => {
  it("creates the database, migrates, loads demo data, serves, and stops cleanly on SIGTERM", async () => {
    expect(await databaseExists(databaseUrl)).toBe(false);
    // The operator's ADMIN is created first: it must not make the shop look used.
    const service = await startServiceProcess({
      DATABASE_URL: databaseUrl,
      ADMIN_LOGIN_ID: "ops-admin",
      ADMIN_PASSWORD: "ops-admin-password",
    });
    running.push(service);
    expect(await databaseExists(databaseUrl)).toBe(true);

    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    const page = expectData(
      await postGraphQL<{ products: { totalCount: number } }>(service.url, `{ products { totalCount } }`),
    );
    expect(page.products.totalCount).toBe(DEMO_PRODUCTS.length);
    for (const login of [DEMO_MEMBER, DEMO_ADMIN, { loginId: "ops-admin", password: "ops-admin-password" }]) {
      const signedIn = await postGraphQL(
        service.url,
        `mutation ($l: String!, $p: String!) { login(loginId: $l, password: $p) { token } }`,
        {
          l: login.loginId,
          p: login.password,
        },
      );
      expect(signedIn.errors).toBeUndefined();
    }
    const demo = expectData(
      await postGraphQL<{ login: { token: string } }>(
        service.url,
        `mutation { login(loginId: "${DEMO_MEMBER.loginId}", password: "${DEMO_MEMBER.password}") { token } }`,
      ),
    );
    const points = expectData(
      await postGraphQL<{ point: { balance: number } }>(
        service.url,
        `{ point { balance } }`,
        {},
        { token: demo.login.token },
      ),
    );
    expect(points.point.balance).toBe(DEMO_MEMBER_POINTS);

    const [orders] = await mysql.createConnection({ uri: databaseUrl }).then(async (connection) => {
      try {
        return await connection.query("SELECT COUNT(*) AS n FROM orders");
      } finally {
        await connection.end();
      }
    });
    expect(orders).toEqual([{ n: 0 }]); // demo data never holds orders

    // PG_API_URL is unset: the bundled fake PG runs beside the API, and a card payment goes through it.
    expect(service.output()).toContain("fake PG started");
    const config = expectData(
      await postGraphQL<{ pgClientConfig: { clientKey: string; sdkUrl: string; successUrl: string } }>(
        service.url,
        `{ pgClientConfig { clientKey sdkUrl successUrl } }`,
      ),
    ).pgClientConfig;
    const checkout = expectData(
      await postGraphQL<{ startCheckout: { pgOrderId: string; amount: number } }>(
        service.url,
        `mutation { startCheckout(input: { items: [{ productId: "4", quantity: 1 }], pointAmount: 100 }) { pgOrderId amount } }`,
        {},
        { token: demo.login.token },
      ),
    ).startCheckout;
    const window = await fetch(`${new URL(config.sdkUrl).origin}/pay`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        clientKey: config.clientKey,
        orderId: checkout.pgOrderId,
        amount: String(checkout.amount),
        orderName: "Demo",
        successUrl: config.successUrl,
        failUrl: config.successUrl,
        action: "pay",
      }).toString(),
      redirect: "manual",
    });
    const success = new URL(window.headers.get("location") ?? "");
    const confirmed = expectData(
      await postGraphQL<{ confirmPayment: { status: string } }>(
        service.url,
        `mutation ($k: String!, $o: String!, $a: SafeInt!) { confirmPayment(paymentKey: $k, pgOrderId: $o, amount: $a) { status } }`,
        { k: success.searchParams.get("paymentKey"), o: checkout.pgOrderId, a: checkout.amount },
        { token: demo.login.token },
      ),
    ).confirmPayment;
    expect(confirmed.status).toBe("PAID");

    // A request is half sent when SIGTERM arrives: it must still be answered, then the process exits 0.
    const inFlight = slowRequest(service.url, JSON.stringify({ query: "{ products(first: 1) { totalCount } }" }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    service.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    inFlight.finish();
    const answered = await inFlight.response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ data: { products: { totalCount: DEMO_PRODUCTS.length } } });
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('"msg":"stopped"');
    // No secret in the logs.
    expect(service.output()).not.toContain(DEMO_ADMIN.password);
    expect(service.output()).not.toContain("ops-admin-password");
  });

  it("starts again on the same database without loading the demo data twice", async () => {
    const service = await startServiceProcess({ DATABASE_URL: databaseUrl });
    running.push(service);
    const page = expectData(
      await postGraphQL<{ products: { totalCount: number } }>(service.url, `{ products { totalCount } }`),
    );
    expect(page.products.totalCount).toBe(DEMO_PRODUCTS.length);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });

  it("refuses to start, in one log line and exit code 1, when ADMIN_LOGIN_ID names a member who is not an ADMIN", async () => {
    const service = await spawnServiceProcess({
      DATABASE_URL: databaseUrl,
      ADMIN_LOGIN_ID: DEMO_MEMBER.loginId.toUpperCase(),
      ADMIN_PASSWORD: "operator-password-1",
    });
    running.push(service);
    expect(await service.exited).toBe(1);
    const lines = service.output().trim().split("\n");
    const refusals = lines.filter((line) => line.includes("ADMIN_LOGIN_ID"));
    expect(refusals).toHaveLength(1);
    expect(JSON.parse(refusals[0]!)).toMatchObject({
      level: 60,
      msg: expect.stringMatching(/^ADMIN_LOGIN_ID="DEMO" is refused: .*never promoted/) as string,
    });
    expect(lines.at(-1)).toBe(refusals[0]); // nothing after it: no stack trace
    expect(service.output()).not.toContain("operator-password-1");
    expect(service.output()).not.toMatch(/^\s+at /m);
    // The member is still a MEMBER, with the password they chose.
    const connection = await mysql.createConnection({ uri: databaseUrl });
    try {
      const [rows] = await connection.query("SELECT role FROM member WHERE login_id = ?", [DEMO_MEMBER.loginId]);
      expect(rows).toEqual([{ role: "MEMBER" }]);
    } finally {
      await connection.end();
    }
  });

  it("refuses TRUST_PROXY=true at start, saying which forms are accepted", async () => {
    const service = await spawnServiceProcess({ DATABASE_URL: databaseUrl, TRUST_PROXY: "true" });
    running.push(service);
    expect(await service.exited).toBe(1);
    const lines = service.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 60,
      msg: expect.stringMatching(
        /^TRUST_PROXY="true" is refused: .* Accepted: false, a number of proxy hops/,
      ) as string,
    });
  });

  it("is live but not ready while Redis is unreachable", async () => {
    const service = await startServiceProcess({
      DATABASE_URL: databaseUrl,
      REDIS_URL: "redis://127.0.0.1:1",
      SHUTDOWN_GRACE_MS: "1000",
    });
    running.push(service);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not ready", checks: { mysql: "ok", redis: "down" } });
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });

  it.each([
    ["FAKE_PLATFORM_PORT", "src/app/main.ts"],
    ["PORT", "src/app/main.ts"],
    ["PORT", "src/app/api.ts"],
  ])("refuses a taken %s in %s with one line naming it, exit code 1", async (variable, entry) => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "0.0.0.0", resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const { code, output } = await runUntilExit(entry, {
        DATABASE_URL: databaseUrl,
        PORT: "0",
        FAKE_PLATFORM_PORT: "0",
        [variable]: String(port),
      });
      expect(code).toBe(1);
      const failures = output.split("\n").filter((line) => line.includes(`port ${port}`));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toContain(`(set by ${variable})`);
      expect(output).not.toMatch(/\n\s+at /); // no stack trace
      expect(output).not.toContain("EADDRINUSE");
    } finally {
      holder.close();
    }
  });
});
