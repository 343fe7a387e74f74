import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import { AuthTokens } from "../../src/auth/auth-token.js";
import { FAKE_PG_KEYS } from "../../src/config/config.js";
import { ensureDatabaseExists } from "../../src/db/client.js";
import { repositoryRoot } from "../../src/process/paths.js";
import { GaleraCluster } from "../../test/helpers/galera-cluster.js";
import { PrivateRedis } from "../../test/helpers/private-redis.js";
import { freePort } from "../../test/helpers/service-process.js";

const MARIADB_URL = process.env.BENCH_MARIADB_URL ?? "mysql://root@127.0.0.1:3306";
const JWT_SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
/** The API runs as in production, where /metrics on its port answers only the bearer of this token. */
export const BENCH_METRICS_TOKEN = "bench-metrics-0123456789abcdef0123456789";

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux build in use). */
const USER_HZ = 100;

/** utime + stime of a process, in seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of the file (utime, stime) are the 12th and 13th after the command name.
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** One compiled entry point of the service (`dist/...`) running as its own process. */
export class NodeProcess {
  private output = "";
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  static spawn(
    name: string,
    entry: string,
    env: Record<string, string>,
    nodeArgs: readonly string[] = [],
  ): NodeProcess {
    const child = spawn(process.execPath, ["--enable-source-maps", ...nodeArgs, path.join(repositoryRoot(), entry)], {
      cwd: repositoryRoot(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new NodeProcess(name, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls until `check` is true; fails with the process's last output if it exits or times out. */
  async waitUntil(check: (output: string) => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start:\n${this.output}`);
      try {
        if (await check(this.output)) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Resident set size now (VmRSS), in MiB. */
  residentMiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  }

  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  }

  /**
   * CPU time the process has used so far (user + system), in seconds, from /proc/<pid>/stat: what a
   * scenario divides by the operations it completed, a cost that stays readable when the shared
   * machine's throughput does not.
   */
  cpuSeconds(): number {
    return processCpuSeconds(this.pid);
  }

  logTail(): string {
    return this.output;
  }

  /** SIGTERM (graceful), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface BenchServiceOptions {
  /** Names the scratch database: `bench_<label>`. */
  label: string;
  /** Connections in the API's pool; the SQL ceilings get the same number. */
  dbPoolSize: number;
  /** Runs the fake PG as a process of its own and points the API at it (PG_API_URL and its keys). */
  fakePg?: boolean;
  /**
   * Starts a 3-node Galera cluster of the machine's mariadbd (test/helpers/galera-cluster.ts) instead of
   * using the MariaDB at BENCH_MARIADB_URL, and gives the API all of its nodes (DATABASE_URLS); node 1,
   * first in that list, takes the writes, and the bench's own pool is on it too. Stopped with the service.
   */
  galera?: boolean;
  /**
   * API processes (default 1), each on a port of its own, all on the same database and Redis, as
   * several `npm run start:api` behind a load balancer; the load clients (GraphqlHttp on `urls`)
   * send each request to the next in turn. Each has its own DB_POOL_SIZE connections.
   */
  apiProcesses?: number;
}

/** Where the fake PG listens, and the keys the API and the buyers' window use with it. */
export interface BenchPg {
  url: string;
  secretKey: string;
  clientKey: string;
}

/**
 * The service in its production shape: the API process (`dist/src/app/api.js`), the worker process
 * (`dist/src/app/worker.js`) and the fake data platform (`dist/src/fake-data-platform/main.js`), in production
 * mode, on a scratch database and a private redis-server, so a run never touches anybody's data and
 * starts from nothing. The worker and the platform start only when a scenario asks for them, so the
 * order scenarios measure the API (its outbox relay included) with the queue filling up behind it.
 * With `fakePg`, the fake PG (`dist/src/fake-payment-gateway/main.js`) runs as a process of its own
 * before the API starts, as a real PG is another system reached over HTTP.
 */
export class BenchService {
  private worker: NodeProcess | null = null;
  private platform: NodeProcess | null = null;

  private constructor(
    /** The first API process: the one whose /metrics the scenarios read. */
    readonly url: string,
    /** Every API process, the first included: what load clients spread their requests over. */
    readonly urls: readonly string[],
    /** The fake PG the API is pointed at; null unless the scenario asked for one. */
    readonly pg: BenchPg | null,
    readonly databaseUrl: string,
    readonly redis: PrivateRedis,
    /** The bench's own pool on the scratch database: loading data, ceilings and invariant checks. */
    readonly pool: mysql.Pool,
    /** The cluster the database is on (`galera`), or null on the one server. */
    readonly cluster: GaleraCluster | null,
    readonly api: NodeProcess,
    /** The API processes after the first (none unless `apiProcesses` > 1). */
    readonly moreApis: readonly NodeProcess[],
    readonly dbPoolSize: number,
    private readonly env: Record<string, string>,
    private readonly tokens: AuthTokens,
    private readonly pgProcess: NodeProcess | null,
  ) {}

  static async start(options: BenchServiceOptions): Promise<BenchService> {
    const cluster = options.galera ? await GaleraCluster.start() : null;
    try {
      return await BenchService.startOn(cluster, options);
    } catch (error) {
      await cluster?.stop();
      throw error;
    }
  }

  private static async startOn(
    cluster: GaleraCluster | null,
    { label, dbPoolSize, fakePg = false, apiProcesses = 1 }: BenchServiceOptions,
  ): Promise<BenchService> {
    const database = `bench_${label}`;
    let databaseUrl: string;
    let databaseEnv: Record<string, string>;
    if (cluster) {
      // A cluster started for this run holds nothing to drop. The database is made here rather than
      // left to the API so that it exists, replicated, before the API's writer pool looks at the nodes.
      databaseUrl = cluster.url(1, database);
      await ensureDatabaseExists(databaseUrl);
      databaseEnv = { DATABASE_URLS: cluster.urls(database).join(",") };
    } else {
      const admin = await mysql.createConnection({ uri: MARIADB_URL });
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
      databaseUrl = `${MARIADB_URL}/${database}`;
      databaseEnv = { DATABASE_URL: databaseUrl };
    }
    const redis = await PrivateRedis.start();
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: "production",
      ...databaseEnv,
      DB_POOL_SIZE: String(dbPoolSize),
      REDIS_URL: redis.url,
      JWT_SECRET,
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      SEED_DEMO_DATA: "false",
      // Per-request info logs would be written to a pipe nobody reads; warn keeps errors visible.
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
      // A crowd of buyers on one machine: the per-member mutation limit would answer RATE_LIMITED
      // long before the database is the limit (the hot-wallet scenario is one member at full speed).
      RATE_LIMIT_MUTATION_BURST: "1000000",
      RATE_LIMIT_MUTATIONS_PER_SECOND: "1000000",
    };
    const url = `http://127.0.0.1:${port}`;
    const { pg, pgProcess } = fakePg ? await startFakePg() : { pg: null, pgProcess: null };
    if (pg) Object.assign(env, { PG_API_URL: pg.url, PG_SECRET_KEY: pg.secretKey, PG_CLIENT_KEY: pg.clientKey });
    // BENCH_API_CPU_PROF=<dir>: the API writes a V8 CPU profile there when it stops (see README).
    const profileDir = process.env.BENCH_API_CPU_PROF;
    const api = NodeProcess.spawn(
      "api",
      "dist/src/app/api.js",
      { ...env, PORT: String(port) },
      profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
    );
    const moreApis: NodeProcess[] = [];
    const urls = [url];
    try {
      await api.waitUntil(async () => (await fetch(`${url}/readyz`)).ok);
      // The others start once the first has migrated the database, as a rolling start would.
      for (let index = 2; index <= apiProcesses; index += 1) {
        const morePort = await freePort();
        const more = NodeProcess.spawn(`api ${index}`, "dist/src/app/api.js", { ...env, PORT: String(morePort) });
        moreApis.push(more);
        urls.push(`http://127.0.0.1:${morePort}`);
        await more.waitUntil(async () => (await fetch(`${urls.at(-1)!}/readyz`)).ok);
      }
    } catch (error) {
      await Promise.all([api.stop(), ...moreApis.map((more) => more.stop())]);
      await pgProcess?.stop();
      await redis.kill();
      throw error;
    }
    const pool = mysql.createPool({
      uri: databaseUrl,
      connectionLimit: dbPoolSize,
      timezone: "Z",
      supportBigNumbers: true,
    });
    return new BenchService(
      url,
      urls,
      pg,
      databaseUrl,
      redis,
      pool,
      cluster,
      api,
      moreApis,
      dbPoolSize,
      env,
      new AuthTokens(JWT_SECRET, 24 * 3600),
      pgProcess,
    );
  }

  /** Starts the fake data platform and the worker (once); returns the platform's base URL. */
  async startWorker(): Promise<string> {
    if (!this.platform) {
      const port = await freePort();
      this.platform = NodeProcess.spawn("data-platform", "dist/src/fake-data-platform/main.js", {
        PORT: String(port),
        LOG_LEVEL: "warn",
      });
      await this.platform.waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
      this.platformUrl = `http://127.0.0.1:${port}`;
    }
    if (!this.worker) {
      const metricsPort = await freePort();
      this.worker = NodeProcess.spawn("worker", "dist/src/app/worker.js", {
        ...this.env,
        LOG_LEVEL: "info", // "worker ready" is an info line
        DATA_PLATFORM_URL: `${this.platformUrl}/events`,
        WORKER_METRICS_PORT: String(metricsPort),
      });
      await this.worker.waitUntil((output) => output.includes('"msg":"worker ready"'));
      this.workerMetricsUrl = `http://127.0.0.1:${metricsPort}`;
    }
    return this.platformUrl!;
  }

  private platformUrl: string | null = null;
  /** Where the worker serves /metrics (with the bench's METRICS_TOKEN) once it runs; null before. */
  workerMetricsUrl: string | null = null;

  /** The worker process, once startWorker() ran. */
  get workerProcess(): NodeProcess | null {
    return this.worker;
  }

  /**
   * The service's own processes running now (the API, the worker once started), each as a reader of
   * its CPU seconds: what a scenario hands closedLoop to report CPU milliseconds per operation.
   * The fake platform and PG stand for other systems and are left out.
   */
  cpuReaders(): Record<string, () => number> {
    // Several API processes count as one "api": the CPU the service's front spent per operation.
    const apis = [this.api, ...this.moreApis];
    const readers: Record<string, () => number> = {
      api: () => apis.reduce((sum, api) => sum + api.cpuSeconds(), 0),
    };
    const worker = this.worker;
    if (worker) readers.worker = () => worker.cpuSeconds();
    return readers;
  }

  /** A member's bearer token, signed with the service's secret (signing up thousands of buyers is not the point). */
  tokenFor(memberId: number): Promise<string> {
    return this.tokens.issue({ memberId, role: "MEMBER" });
  }

  async stop(): Promise<void> {
    await Promise.all([
      this.api.stop(),
      ...this.moreApis.map((api) => api.stop()),
      this.worker?.stop(),
      this.platform?.stop(),
      this.pgProcess?.stop(),
    ]);
    await this.pool.end();
    await this.redis.kill();
    await this.cluster?.stop();
  }
}

/**
 * The fake PG on a free port with the fake's own test keys, no webhooks (the buyer's journey is what
 * is measured) and its default confirm window; ready once its /healthz answers.
 */
async function startFakePg(): Promise<{ pg: BenchPg; pgProcess: NodeProcess }> {
  const port = await freePort();
  const pg: BenchPg = { url: `http://127.0.0.1:${port}`, ...FAKE_PG_KEYS };
  const pgProcess = NodeProcess.spawn("fake-pg", "dist/src/fake-payment-gateway/main.js", {
    FAKE_PG_PORT: String(port),
    FAKE_PG_SECRET_KEY: pg.secretKey,
    FAKE_PG_CLIENT_KEY: pg.clientKey,
    FAKE_PG_WEBHOOK_URL: "",
    LOG_LEVEL: "warn",
  });
  await pgProcess.waitUntil(async () => (await fetch(`${pg.url}/healthz`)).ok);
  return { pg, pgProcess };
}
