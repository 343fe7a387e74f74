import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort, killNow } from "./service-process.js";
import { serverEnv } from "./server-env.js";

/** Whether this machine can run redis-server at all (the cluster test is skipped, loudly, if not). */
export const canRunRedisServer = (): boolean =>
  spawnSync("redis-server", ["--version"], { env: serverEnv() }).status === 0;

/**
 * A 3-master Redis Cluster on loopback ports, made with the machine's own redis-server and
 * `redis-cli --cluster create`, for proving the service runs on a cluster.
 */
export class LocalRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly servers: ChildProcess[],
  ) {}

  static async start(): Promise<LocalRedisCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), "redis-cluster-"));
    const ports = [await freePort(), await freePort(), await freePort()];
    const servers = ports.map((port) =>
      spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          `nodes-${port}.conf`,
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
        ],
        { stdio: "ignore", env: serverEnv() },
      ),
    );
    const cluster = new LocalRedisCluster(ports, servers);
    for (const port of ports) await waitFor(() => ping(port), `redis-server on ${port}`);
    const created = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes"],
      {
        encoding: "utf8",
        env: serverEnv(),
      },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const port of ports) await waitFor(() => clusterOk(port), `cluster_state:ok on ${port}`);
    return cluster;
  }

  get seedUrl(): string {
    return `redis://127.0.0.1:${this.ports[0]}`;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map(killNow));
  }
}

async function withClient<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T | null> {
  const client = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await work(client);
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

const ping = async (port: number): Promise<boolean> => (await withClient(port, (client) => client.ping())) === "PONG";
const clusterOk = async (port: number): Promise<boolean> =>
  ((await withClient(port, (client) => client.cluster("INFO"))) ?? "").includes("cluster_state:ok");

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
