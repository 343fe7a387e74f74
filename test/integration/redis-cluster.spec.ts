import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/process/lifecycle.js";
import { waitUntilDrained } from "../helpers/drain.js";
import { startFakePlatform, startWorker, type FakePlatform } from "../helpers/event-pipeline.js";
import { adminToken, chargePoints, createProduct, placeOrder, signUpMember } from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { LocalRedisCluster, canRunRedisServer } from "../helpers/redis-cluster.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

const available = canRunRedisServer();
if (!available) console.warn("SKIPPED redis-cluster.spec: redis-server cannot be started on this machine");

/**
 * The scaling claim, proven: the ranking (Lua scripts, ZUNIONSTORE) and the BullMQ queues run on a
 * 3-master Redis Cluster, because every key of a kind shares a hash tag.
 */
describe.skipIf(!available)("on a 3-master Redis Cluster", () => {
  let cluster: LocalRedisCluster;
  let platform: FakePlatform;
  let app: TestApp;
  let worker: Running;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start();
    const fake = await startFakePlatform();
    platform = fake.platform;
    app = await startTestApp("redis_cluster", {
      REDIS_URL: cluster.seedUrl,
      REDIS_CLUSTER: "true",
      DATA_PLATFORM_URL: fake.url,
      EVENT_RETRY_BASE_MS: "50",
      OUTBOX_SWEEP_MS: "200",
      RANKING_CHECK_MS: "200",
    });
    worker = await startWorker(app);
  });

  afterAll(async () => {
    /* eslint-disable @typescript-eslint/no-unnecessary-condition -- each is unset if beforeAll failed part-way */
    await worker?.stop();
    await app?.close();
    await platform?.close();
    await cluster?.stop();
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
  });

  it("ranks, queues and delivers orders, and popularProducts answers from the cluster", async () => {
    const admin = await adminToken(app);
    const products = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        createProduct(app, admin, { name: `Clustered ${i}`, price: 100, stock: 1_000 }),
      ),
    );
    const buyer = await signUpMember(app);
    await chargePoints(app, buyer, 1_000_000);
    for (let i = 0; i < 20; i += 1) {
      expectData(await placeOrder(app, buyer, { items: [{ productId: products[i % 4]!.id, quantity: 1 + (i % 3) }] }));
    }
    await waitUntilDrained(app.database.db, app.queues);
    // The worker marks the ranking built once it has counted; wait for that, then compare.
    const deadline = Date.now() + 10_000;
    while (!(await app.services.ranking.isBuilt()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const days of [1, 3, 7]) {
      expect(await app.services.ranking.popular(days, 5)).toEqual(
        await app.services.ranking.popularFromDatabase(days, 5),
      );
    }
    const answer = expectData(
      await app.gql<{ popularProducts: Array<{ rank: number; product: { id: string } }> }>(
        `{ popularProducts { rank product { id } } }`,
      ),
    );
    expect(answer.popularProducts).toHaveLength(4);
    expect(platform.events()).toHaveLength(20);

    // Every ranking key sits on one slot (so are BullMQ's, by its hash-tagged prefix): multi-key
    // scripts and ZUNIONSTORE stay legal on a cluster.
    expect(app.redis).toBeInstanceOf(Cluster);
    const slot = (key: string) => app.redis.call("CLUSTER", "KEYSLOT", key) as Promise<number>;
    const rankingSlots = new Set(
      await Promise.all(
        [`${app.config.redisPrefix}:{ranking}:built`, `${app.config.redisPrefix}:{ranking}:daily:2026-11-24`].map(slot),
      ),
    );
    expect(rankingSlots.size).toBe(1);
  });
});
