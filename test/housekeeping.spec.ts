import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHousekeeping } from "../src/queue/housekeeping.js";
import { waitUntilDrained } from "./helpers/drain.js";
import { adminToken, chargePoints, createProduct, placeOrder, signUpMember } from "./helpers/factories.js";
import { expectData } from "./helpers/graphql.js";
import { TestClock } from "./helpers/test-clock.js";
import { startTestApp, type TestApp } from "./helpers/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("housekeeping", { OUTBOX_SWEEP_MS: "100" });
});
afterAll(() => app.close());

const count = async (sql: string): Promise<number> => {
  const [rows] = await app.database.pool.query(sql);
  return Number((rows as Array<{ n: number }>)[0]!.n);
};

describe(runHousekeeping.name, () => {
  it("forgets idempotency keys after they expire and published events after two weeks, nothing sooner", async () => {
    const admin = await adminToken(app);
    const product = await createProduct(app, admin, { name: "Kept", price: 10, stock: 10 });
    const member = await signUpMember(app);
    await chargePoints(app, member, 1_000);
    expectData(await placeOrder(app, member, { items: [{ productId: product.id, quantity: 1 }], idempotencyKey: "once" }));
    // Published events need queues; here they only need to be marked published.
    await waitUntilDrained(app.database.db, [], 10_000);
    expect(await count("SELECT COUNT(*) AS n FROM idempotency_key")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NOT NULL")).toBe(1);

    const now = Date.now();
    expect(await runHousekeeping(app.database.db, new TestClock(new Date(now + 3600_000)), app.log)).toMatchObject({ keys: 0, events: 0 });
    expect(await runHousekeeping(app.database.db, new TestClock(new Date(now + 49 * 3600_000)), app.log)).toMatchObject({ keys: 1, events: 0 });
    expect(await runHousekeeping(app.database.db, new TestClock(new Date(now + 15 * 24 * 3600_000)), app.log)).toMatchObject({ keys: 0, events: 1 });
    expect(await count("SELECT COUNT(*) AS n FROM orders")).toBe(1); // orders themselves are never touched
  });

  it("forgets commit tokens a day old by the database's clock, and keeps newer ones", async () => {
    await app.database.pool.query(
      "INSERT INTO commit_token (token, created_at) VALUES ('old-token', CURRENT_TIMESTAMP(3) - INTERVAL 25 HOUR), ('new-token', CURRENT_TIMESTAMP(3) - INTERVAL 23 HOUR)",
    );
    const before = await count("SELECT COUNT(*) AS n FROM commit_token");
    const { commitTokens } = await runHousekeeping(app.database.db, new TestClock(new Date()), app.log);
    expect(commitTokens).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM commit_token WHERE token = 'old-token'")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM commit_token")).toBe(before - 1);
  });
});
