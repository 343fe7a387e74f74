import { setTimeout as delay } from "node:timers/promises";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisTarget } from "../../src/config/config.js";
import { markDelivered } from "../../src/outbox/outbox.repository.js";
import { HOUSEKEEPING_EVERY_MS, runHousekeeping } from "../../src/queue/housekeeping.js";
import { startMaintenance, type Maintenance } from "../../src/queue/maintenance.js";
import { QueueConnections, queuePrefix } from "../../src/queue/queues.js";
import { runWorker } from "../../src/app/run-worker.js";
import { waitUntilDrained } from "../helpers/drain.js";
import { startFakePlatform } from "../helpers/event-pipeline.js";
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
      (
        (await app.database.pool.query(`SELECT event_id FROM outbox WHERE ${where}`))[0] as Array<{ event_id: string }>
      ).map((row) => row.event_id);
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

describe("housekeeping on a BullMQ job scheduler", () => {
  it("is scheduled by the worker, which runs it at once on a Redis that had no scheduler", async () => {
    await app.database.pool.query(
      "INSERT INTO commit_token (token, created_at) VALUES ('scheduled-old-token', CURRENT_TIMESTAMP(3) - INTERVAL 25 HOUR)",
    );
    const { platform, url } = await startFakePlatform();
    const worker = await runWorker({ ...app.config, dataPlatformUrl: url }, app.log, new TestClock(new Date()));
    try {
      await expect
        .poll(() => count("SELECT COUNT(*) AS n FROM commit_token WHERE token = 'scheduled-old-token'"), {
          timeout: 20_000,
        })
        .toBe(0);
      // The scheduler the worker left in Redis, as any BullMQ client sees it.
      const queue = new Queue("maintenance", {
        connection: new QueueConnections(redisTarget(app.config)).producer(),
        prefix: queuePrefix(app.config.redisPrefix),
      });
      try {
        expect(await queue.getJobScheduler("housekeeping")).toMatchObject({
          name: "housekeeping",
          every: HOUSEKEEPING_EVERY_MS,
        });
      } finally {
        await queue.close();
      }
    } finally {
      await worker.stop();
      await platform.close();
    }
  });

  it("runs each period's job in one of two workers, never both, and is scheduled again once Redis lost it", async () => {
    // A queue of this test's own: the service's housekeeping scheduler (above) stays out of it.
    const redisPrefix = `${app.config.redisPrefix}:two-workers`;
    const runs: Array<{ worker: string; jobId: string }> = [];
    let running = 0;
    const workers: Array<{ maintenance: Maintenance; connections: QueueConnections }> = ["a", "b"].map((name) => {
      const connections = new QueueConnections(redisTarget(app.config));
      const maintenance = startMaintenance({
        connections,
        redisPrefix,
        log: app.log,
        lockDurationMs: 30_000,
        jobs: [
          {
            name: "tick",
            everyMs: 100,
            run: async (job) => {
              running += 1;
              runs.push({ worker: name, jobId: job.id! });
              await delay(20); // long enough for the other worker to be waiting for jobs meanwhile
              running -= 1;
            },
          },
        ],
      });
      return { maintenance, connections };
    });
    const [a, b] = workers as [(typeof workers)[0], (typeof workers)[0]];
    try {
      // Both start together, each scheduling the job: one scheduler results.
      await Promise.all([a.maintenance.ensureScheduled(), b.maintenance.ensureScheduled()]);
      expect(await a.maintenance.queue.getJobSchedulersCount()).toBe(1);
      await expect.poll(() => runs.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(8);

      // Redis loses the scheduler: the next check puts it back, and the jobs go on.
      await a.maintenance.queue.removeJobScheduler("tick");
      expect(await a.maintenance.queue.getJobScheduler("tick")).toBeUndefined();
      await b.maintenance.ensureScheduled();
      expect(await a.maintenance.queue.getJobScheduler("tick")).toMatchObject({ every: 100 });
      const before = runs.length;
      await expect.poll(() => runs.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 4);
    } finally {
      await a.maintenance.queue.removeJobScheduler("tick");
      for (const { maintenance, connections } of workers) {
        await maintenance.close(5_000);
        await connections.close();
      }
    }

    // One job per period (its id names the period), each run by one worker only.
    const ids = runs.map((run) => run.jobId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^repeat:tick:\d+$/);
    // Closed: no job left running, no worker left taking jobs.
    expect(running).toBe(0);
    for (const { maintenance } of workers) expect(maintenance.worker.isRunning()).toBe(false);
  });
});
