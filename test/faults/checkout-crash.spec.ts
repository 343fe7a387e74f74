import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckoutData } from "../helpers/checkout-flow.js";
import { startFakePgProcess, type FakePgProcess } from "../helpers/fake-pg-process.js";
import { FaultProxy } from "../helpers/fault-proxy.js";
import { expectData, postGraphQL } from "../helpers/graphql.js";
import { checkInvariants } from "../helpers/invariants.js";
import { checkPaymentInvariants } from "../helpers/payment-invariants.js";
import { killNow, startServiceProcess, type ServiceProcess } from "../helpers/service-process.js";
import { dropDatabase, uniqueDatabaseUrl } from "../helpers/test-database.js";
import { until } from "../helpers/until.js";

/**
 * The service killed (SIGKILL, as a crash or an OOM kill) in the two places a card payment can be
 * caught between the PG and the database: after the PG approved and before the sale was committed,
 * and after the commit before anyone heard of it. The service runs as `npm start` does (API and worker
 * in one process), against the fake PG as a process of its own; the database is reached through a
 * fault proxy, so a COMMIT can be let through and its answer held back.
 */

const ADMIN = { ADMIN_LOGIN_ID: "crash-admin", ADMIN_PASSWORD: "crash-admin-password" };
let pg: FakePgProcess;
let proxy: FaultProxy;
let databaseUrl: string;
let pool: mysql.Pool;
let service: ServiceProcess | null = null;
let env: Record<string, string>;
/** Called with each statement the service sends; "forward" unless a test says otherwise. */
let onQuery: (sql: string, connection: { id: number }) => "forward" | "stall-after" = () => "forward";

beforeAll(async () => {
  pg = await startFakePgProcess();
  databaseUrl = uniqueDatabaseUrl("checkout_crash");
  const direct = new URL(databaseUrl);
  proxy = await FaultProxy.start(
    { host: direct.hostname, port: Number(direct.port || 3306) },
    { onQuery: (sql, connection) => onQuery(sql, connection) },
  );
  const proxied = new URL(databaseUrl);
  proxied.host = `127.0.0.1:${proxy.port}`;
  env = {
    ...pg.serviceEnv,
    ...ADMIN,
    DATABASE_URL: proxied.toString(),
    REDIS_PREFIX: `test:checkout_crash:${randomBytes(4).toString("hex")}`,
    SEED_DEMO_DATA: "false",
    PG_CONNECT_TIMEOUT_MS: "500",
    PG_READ_TIMEOUT_MS: "1000",
    CHECKOUT_SWEEP_MS: "300",
    WORKER_LOCK_MS: "2000",
    SHUTDOWN_GRACE_MS: "500",
  };
  service = await startServiceProcess(env);
  pool = mysql.createPool({ uri: databaseUrl, connectionLimit: 2 });
});

afterAll(async () => {
  await killNow(service?.child ?? null);
  expect(await checkInvariants(pool)).toEqual([]);
  expect(await checkPaymentInvariants(pool, pg.driver)).toEqual([]);
  await pool.end();
  await proxy.close();
  await pg.stop();
  await dropDatabase(databaseUrl);
});

const gql = <T>(query: string, variables: Record<string, unknown>, token?: string) =>
  postGraphQL<T>(present(service).url, query, variables, { token });
const present = <T>(value: T | null): T => {
  if (value === null) throw new Error("no service running");
  return value;
};

async function restart(): Promise<void> {
  await killNow(service?.child ?? null);
  onQuery = () => "forward";
  service = await startServiceProcess(env);
}

async function shopper(): Promise<{ token: string; productId: string }> {
  const admin = expectData(
    await gql<{ login: { token: string } }>(
      `mutation ($l: String!, $p: String!) { login(loginId: $l, password: $p) { token } }`,
      {
        l: ADMIN.ADMIN_LOGIN_ID,
        p: ADMIN.ADMIN_PASSWORD,
      },
    ),
  ).login.token;
  const product = expectData(
    await gql<{ createProduct: { id: string } }>(
      `mutation { createProduct(input: { name: "Crash kimbap", price: 4000, stock: 5 }) { id } }`,
      {},
      admin,
    ),
  ).createProduct;
  const member = expectData(
    await gql<{ signUp: { token: string } }>(
      `mutation ($l: String!) { signUp(input: { loginId: $l, password: "correct-horse-battery", nickname: "Crash" }) { token } }`,
      { l: `crash-${randomBytes(3).toString("hex")}` },
    ),
  ).signUp.token;
  return { token: member, productId: product.id };
}

const CHECKOUT = `id pgOrderId amount status failureCode order { id }`;

async function paidInWindow(token: string, productId: string): Promise<{ checkout: CheckoutData; paymentKey: string }> {
  const checkout = expectData(
    await gql<{ startCheckout: CheckoutData }>(
      `mutation ($p: ID!) { startCheckout(input: { items: [{ productId: $p, quantity: 1 }] }) { ${CHECKOUT} } }`,
      { p: productId },
      token,
    ),
  ).startCheckout;
  return { checkout, paymentKey: await pg.driver.authenticate(checkout.pgOrderId, checkout.amount) };
}

function confirm(token: string, checkout: CheckoutData, paymentKey: string) {
  return gql<{ confirmPayment: CheckoutData }>(
    `mutation ($k: String!, $o: String!, $a: SafeInt!) { confirmPayment(paymentKey: $k, pgOrderId: $o, amount: $a) { ${CHECKOUT} } }`,
    { k: paymentKey, o: checkout.pgOrderId, a: checkout.amount },
    token,
  );
}

async function checkoutStatus(id: string): Promise<string> {
  const [rows] = await pool.query("SELECT status FROM checkout WHERE id = ?", [id]);
  return (rows as Array<{ status: string }>)[0]!.status;
}

describe("the service killed in the middle of a card payment", () => {
  it("after the PG approved, before the commit: the sweep of the restarted worker completes the order", async () => {
    const { token, productId } = await shopper();
    const { checkout, paymentKey } = await paidInWindow(token, productId);
    // The PG approves, and its answer never comes: the service is waiting for it when it dies.
    await pg.driver.control({
      rules: [{ route: "confirm", orderId: checkout.pgOrderId, action: { type: "process-then-hang" } }],
    });
    const confirming = confirm(token, checkout, paymentKey).catch(() => null);
    await until("the PG's approval", async () => {
      const payment = await pg.driver.paymentOfOrder(checkout.pgOrderId);
      return payment.body.status === "DONE" ? true : undefined;
    });
    await killNow(present(service).child);
    await confirming;
    expect(await checkoutStatus(checkout.id)).toBe("CONFIRMING");

    await restart();
    await until("the sale", async () => ((await checkoutStatus(checkout.id)) === "PAID" ? true : undefined), 60_000);
    const replay = expectData(await confirm(token, checkout, paymentKey)).confirmPayment;
    expect(replay.status).toBe("PAID");
    expect(replay.order).not.toBeNull();
    const confirms = await pg.driver.listing<{ requests: unknown[] }>(
      `/control/requests?orderId=${checkout.pgOrderId}&route=confirm`,
    );
    expect(confirms.requests).toHaveLength(1);
  });

  it("after the commit, before the answer: a replay returns the same order and the PG is not asked again", async () => {
    const { token, productId } = await shopper();
    const { checkout, paymentKey } = await paidInWindow(token, productId);
    // The COMMIT of the transaction that records the sale reaches the database; its answer is held.
    const selling = new Set<number>();
    let committed: () => void = () => undefined;
    const commitSeen = new Promise<void>((resolve) => (committed = resolve));
    onQuery = (sql, connection) => {
      if (/insert into `orders`/i.test(sql)) selling.add(connection.id);
      if (selling.has(connection.id) && /^commit/i.test(sql.trim())) {
        committed();
        return "stall-after";
      }
      return "forward";
    };
    const answer = confirm(token, checkout, paymentKey).catch(() => null);
    await commitSeen;
    await until("the committed sale", async () => ((await checkoutStatus(checkout.id)) === "PAID" ? true : undefined));
    await killNow(present(service).child);
    expect(await answer).toBeNull();

    await restart();
    const replay = expectData(await confirm(token, checkout, paymentKey)).confirmPayment;
    expect(replay.status).toBe("PAID");
    const [orders] = await pool.query("SELECT order_id FROM payment WHERE payment_key = ?", [paymentKey]);
    expect(orders).toEqual([{ order_id: Number(replay.order!.id) }]);
    const confirms = await pg.driver.listing<{ requests: unknown[] }>(
      `/control/requests?orderId=${checkout.pgOrderId}&route=confirm`,
    );
    expect(confirms.requests).toHaveLength(1);
  });
});
