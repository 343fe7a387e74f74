import type { Running } from "../../src/process/lifecycle.js";
import { startFakePlatform, startWorker, type FakePlatform } from "./event-pipeline.js";
import { GaleraCluster } from "./galera-cluster.js";
import { checkInvariants } from "./invariants.js";
import { startTestApp, type TestApp } from "./test-app.js";
import { uniqueDatabaseUrl } from "./test-database.js";

/** The service on a 3-node Galera cluster of its own: the API in this process, the worker, a data platform. */
export interface GaleraApp {
  cluster: GaleraCluster;
  /** The database's name, the same on every node. */
  database: string;
  app: TestApp;
  platform: FakePlatform;
  /** Stops the worker, the app and the platform, then the cluster (its databases go with it). */
  close(): Promise<void>;
}

/**
 * Starts a cluster, then the service on it through DATABASE_URLS (node 1 first), with short outbox and
 * ranking timers and no mutation limit (races send many mutations per member); `env` adds or overrides.
 */
export async function startGaleraApp(label: string, env: Record<string, string> = {}): Promise<GaleraApp> {
  const cluster = await GaleraCluster.start();
  const database = new URL(uniqueDatabaseUrl(label)).pathname.slice(1);
  let platform: FakePlatform | null = null;
  let app: TestApp | null = null;
  let worker: Running | null = null;
  const close = async (): Promise<void> => {
    try {
      await worker?.stop();
      await app?.close({ keepDatabase: true });
      await platform?.close();
    } finally {
      await cluster.stop();
    }
  };
  try {
    const fake = await startFakePlatform();
    platform = fake.platform;
    app = await startTestApp(label, {
      DATABASE_URLS: cluster.urls(database).join(","),
      DATA_PLATFORM_URL: fake.url,
      OUTBOX_SWEEP_MS: "200",
      RANKING_CHECK_MS: "200",
      RATE_LIMIT_MUTATION_BURST: "100000",
      RATE_LIMIT_MUTATIONS_PER_SECOND: "100000",
      ...env,
    });
    worker = await startWorker(app);
    return { cluster, database, app, platform, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The money and stock invariants (test/helpers/invariants.ts) as each node sees them once it has applied
 * everything committed before the read; each violation names its node. Empty when all hold everywhere.
 */
export async function invariantsOnEveryNode(
  cluster: GaleraCluster,
  database: string,
  stockBaselineBefore?: Map<number, number>,
): Promise<string[]> {
  const violations: string[] = [];
  for (let node = 1; node <= cluster.size; node += 1) {
    const reader = await cluster.syncedReader(node, database);
    try {
      for (const violation of await checkInvariants(reader, stockBaselineBefore))
        violations.push(`node ${node}: ${violation}`);
    } finally {
      reader.destroy();
    }
  }
  return violations;
}
