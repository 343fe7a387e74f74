import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntilDrained } from "../helpers/drain.js";
import { startFakePlatform, type FakePlatform } from "../helpers/event-pipeline.js";
import {
  adminToken,
  createProduct,
  fundedMembers,
  placeOrder,
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { startWorkerProcess, type ServiceProcess } from "../helpers/service-process.js";
import { checkInvariants } from "../helpers/invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

/** A worker process killed with SIGKILL while it holds jobs: its successor finishes them, none twice. */
let app: TestApp;
let platform: FakePlatform;
let env: Record<string, string>;
let products: CreatedProduct[];
let buyers: SignedIn[];
const workers: Array<Omit<ServiceProcess, "url">> = [];

beforeAll(async () => {
  const fake = await startFakePlatform({ delayMs: 100 }); // slow deliveries: jobs are in flight when the worker dies
  platform = fake.platform;
  const shared = {
    DATA_PLATFORM_URL: fake.url,
    EVENT_RETRY_BASE_MS: "50",
    OUTBOX_SWEEP_MS: "200",
    RANKING_CHECK_MS: "200",
    WORKER_LOCK_MS: "1000",
  };
  app = await startTestApp("worker_crash", shared);
  env = {
    ...shared,
    DATABASE_URL: app.config.databaseUrl,
    REDIS_URL: app.config.redisUrl,
    REDIS_PREFIX: app.config.redisPrefix,
  };
  const admin = await adminToken(app);
  products = await Promise.all(
    Array.from({ length: 5 }, (_, i) => createProduct(app, admin, { name: `Crash ${i}`, price: 10, stock: 100_000 })),
  );
  buyers = await fundedMembers(app, 5, 1_000_000);
});

afterAll(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await app.close();
  await platform.close();
});

describe("a worker killed mid-batch", () => {
  it("loses and doubles nothing: a new worker picks up the stalled jobs", async () => {
    const first = await startWorkerProcess(env);
    workers.push(first);
    // Orders keep coming while the worker is killed, so it dies holding jobs.
    const placing = (async () => {
      for (let i = 0; i < 150; i += 15) {
        await Promise.all(
          Array.from({ length: 15 }, (_, j) =>
            placeOrder(app, buyers[(i + j) % buyers.length]!, {
              items: [{ productId: products[(i + j) % products.length]!.id, quantity: 1 + (j % 3) }],
            }).then(expectData),
          ),
        );
      }
    })();
    const deadline = Date.now() + 30_000;
    while (platform.events().length < 20 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill("SIGKILL");
    await first.exited;
    const deliveredBeforeCrash = platform.events().length;
    await placing;
    expect(deliveredBeforeCrash).toBeGreaterThan(0);
    expect(deliveredBeforeCrash).toBeLessThan(150);

    const second = await startWorkerProcess({ ...env, WORKER_METRICS_PORT: "0" });
    workers.push(second);
    await waitUntilDrained(app.database.db, app.queues, 60_000);
    // A worker run on its own serves its metrics.
    const metricsPort = /"metricsPort":(\d+)/.exec(second.output())![1];
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^queue_jobs\{queue="data-platform",state="waiting"\} 0$/m);

    const [rows] = await app.database.pool.query("SELECT event_id FROM outbox");
    expect(
      platform
        .events()
        .map((event) => event.eventId)
        .sort(),
    ).toEqual((rows as Array<{ event_id: string }>).map((row) => row.event_id).sort());
    for (const days of [1, 3]) {
      expect(await app.services.ranking.popular(days, 20)).toEqual(
        await app.services.ranking.popularFromDatabase(days, 20),
      );
    }
    const violations = await checkInvariants(app.database.pool);
    console.info(
      `worker SIGKILL: 150 orders, 1 worker killed after ${deliveredBeforeCrash} deliveries, ${platform.events().length} events delivered once each, ${violations.length} invariant violations`,
    );
    expect(violations).toEqual([]);
  });
});
