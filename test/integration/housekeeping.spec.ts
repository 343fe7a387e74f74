import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markDelivered } from "../../src/outbox/outbox.repository.js";
import { runHousekeeping } from "../../src/queue/housekeeping.js";
import { waitUntilDrained } from "../helpers/drain.js";
import { adminToken, chargePoints, createProduct, placeOrder, signUpMember } from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { TestClock } from "../helpers/test-clock.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("housekeeping", { OUTBOX_SWEEP_MS: "100" });
});
afterAll(() => app.close());

const count = async (sql: string): Promise<number> => {
  const [rows] = await app.database.pool.query(sql);
  return Number((rows as Array<{ n: number | string }>)[0]!.n);
};

describe(runHousekeeping.name, () => {
  it("forgets idempotency keys after they expire and delivered events after two weeks, nothing sooner, and never an event still owed", async () => {
    const admin = await adminToken(app);
    const product = await createProduct(app, admin, { name: "Kept", price: 10, stock: 10 });
    const member = await signUpMember(app);
    await chargePoints(app, member, 1_000);
    const delivered = expectData(
      await placeOrder(app, member, { items: [{ productId: product.id, quantity: 1 }], idempotencyKey: "once" }),
    ).placeOrder.id;
    expectData(await placeOrder(app, member, { items: [{ productId: product.id, quantity: 1 }] }));
    // Published events need queues; here they only need to be marked published, and confirmed by
    // hand: the first by both consumers, the other by the ranking only (the platform still owes it).
    await waitUntilDrained(app.database.db, [], 10_000);
    const ids = async (where: string) =>
      ((await app.database.pool.query(`SELECT id FROM outbox WHERE ${where}`))[0] as Array<{ id: number }>).map(
        (row) => row.id,
      );
    const first = await ids(`aggregate_id = ${Number(delivered)}`);
    await markDelivered(app.database.db, "ranking", await ids("TRUE"), new Date());
    await markDelivered(app.database.db, "data-platform", first, new Date());
    expect(await count("SELECT COUNT(*) AS n FROM idempotency_key")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NOT NULL")).toBe(2);

    const now = Date.now();
    expect(await runHousekeeping(app.database.db, new TestClock(new Date(now + 3600_000)), app.log)).toMatchObject({
      keys: 0,
      events: 0,
    });
    expect(await runHousekeeping(app.database.db, new TestClock(new Date(now + 49 * 3600_000)), app.log)).toMatchObject(
      { keys: 1, events: 0 },
    );
    expect(
      await runHousekeeping(app.database.db, new TestClock(new Date(now + 15 * 24 * 3600_000)), app.log),
    ).toMatchObject({ keys: 0, events: 1 });
    expect(await ids("TRUE")).not.toContain(first[0]);
    // The event the platform never confirmed stays, however old.
    expect(
      await runHousekeeping(app.database.db, new TestClock(new Date(now + 365 * 24 * 3600_000)), app.log),
    ).toMatchObject({ keys: 0, events: 0 });
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE data_platform_delivered_at IS NULL")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM orders")).toBe(2); // orders themselves are never touched
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
