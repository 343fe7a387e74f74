import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  createProduct,
  fundedMembers,
  placeOrder,
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { PrivateMariaDb } from "../helpers/private-mariadb.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

const available = PrivateMariaDb.available();
if (!available) console.warn("SKIPPED mariadb-restart.spec: mariadbd / mariadb-install-db are not on this machine");
/** How long the database stays down: short in `npm test`, longer in `npm run test:faults`. */
const DOWN_MS = Number(process.env.FAULT_DATABASE_DOWN_MS ?? 1_500);

/**
 * MariaDB killed (SIGKILL) while orders stream in, then started again on the same data: requests
 * during the outage fail cleanly (SERVICE_UNAVAILABLE, retryable), the service recovers by itself,
 * and InnoDB's crash recovery leaves no half-written order: every invariant holds.
 */
describe.skipIf(!available)("MariaDB restarted during traffic", () => {
  let database: PrivateMariaDb;
  let app: TestApp;
  let product: CreatedProduct;
  let buyers: SignedIn[];

  beforeAll(async () => {
    database = await PrivateMariaDb.start();
    app = await startTestApp("mariadb_restart", { DATABASE_URL: database.url("shop_fault"), DB_POOL_SIZE: "10" });
    const admin = await adminToken(app);
    product = await createProduct(app, admin, { name: "Survivor", price: 100, stock: 100_000 });
    buyers = await fundedMembers(app, 8, 10_000_000);
  });

  afterAll(async () => {
    /* eslint-disable @typescript-eslint/no-unnecessary-condition -- each is unset if beforeAll failed part-way */
    await app?.close();
    await database?.kill();
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
  });

  it("fails requests cleanly while it is down, recovers without a restart, loses and doubles nothing", async () => {
    const baseline = await stockBaseline(app.database.pool);
    const outcomes: Record<string, number> = {};
    let running = true;
    const lanes = buyers.map(async (buyer) => {
      while (running) {
        const response = await placeOrder(app, buyer, { items: [{ productId: product.id, quantity: 1 }] });
        const outcome = response.errors ? (errorCode(response) ?? "error") : "ok";
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (outcome !== "ok") await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    await new Promise((resolve) => setTimeout(resolve, 500));
    await database.kill();
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    await database.restart();
    const okBeforeRecovery = outcomes.ok ?? 0;
    // Traffic goes on until orders have succeeded again, through the same pool.
    const deadline = Date.now() + 30_000;
    while ((outcomes.ok ?? 0) < okBeforeRecovery + 20 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    running = false;
    await Promise.all(lanes);

    const violations = await checkInvariants(app.database.pool, baseline);
    console.info(
      `mariadb restart: ${Object.values(outcomes).reduce((a, b) => a + b, 0)} orders attempted, 1 fault (SIGKILL, ${DOWN_MS} ms down), outcomes ${JSON.stringify(outcomes)}, ${violations.length} invariant violations`,
    );
    expect(Object.keys(outcomes).sort()).toEqual(["SERVICE_UNAVAILABLE", "ok"]);
    expect(outcomes.ok).toBeGreaterThanOrEqual(okBeforeRecovery + 20);
    expect(violations).toEqual([]);
    // And the service answers as before, with no restart of its own.
    expectData(await placeOrder(app, buyers[0]!, { items: [{ productId: product.id, quantity: 1 }] }));
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
  });
});
