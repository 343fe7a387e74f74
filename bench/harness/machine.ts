import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What the numbers were measured on: printed beside every result, because only ratios carry over. */
export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs the process may use. */
  cores: number;
  memoryGiB: number;
  /** e.g. "Debian GNU/Linux 12 (bookworm)"; `os.type()` when /etc/os-release is absent. */
  os: string;
  /** e.g. "Linux 6.1.0-18-amd64" */
  kernel: string;
  arch: string;
  /** e.g. "v20.20.2" */
  node: string;
  /** e.g. "10.11.6-MariaDB-0+deb12u1", or "unknown" */
  mariadb: string;
  /** e.g. "7.0.15", or "unknown" */
  redis: string;
  /** ISO 8601, when the description was taken. */
  date: string;
}

/** Anything with mysql2's promise `query` (a Pool, PoolConnection or Connection). */
export interface Queryable {
  query(sql: string): Promise<[unknown, unknown]>;
}

export interface DescribeMachineOptions {
  /** A mysql2 promise pool or connection to ask `SELECT VERSION()`, or the version string itself. */
  mariadb?: Queryable | string;
  /** The redis-server binary to ask `--version` (default: "redis-server" on the PATH). */
  redisServer?: string;
  /** Fixed clock, for tests. */
  now?: Date;
}

async function osName(): Promise<string> {
  try {
    const text = await readFile("/etc/os-release", "utf8");
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
    if (pretty) return pretty;
  } catch {
    // Not Linux, or a minimal image: fall through.
  }
  return `${os.type()} ${os.release()}`;
}

async function mariadbVersion(source: Queryable | string | undefined): Promise<string> {
  if (source === undefined) return "unknown";
  if (typeof source === "string") return source;
  try {
    const [rows] = await source.query("SELECT VERSION() AS version");
    const first = Array.isArray(rows) ? (rows[0] as { version?: unknown } | undefined) : undefined;
    return typeof first?.version === "string" ? first.version : "unknown";
  } catch {
    return "unknown";
  }
}

async function redisVersion(binary: string): Promise<string> {
  try {
    const { stdout } = await run(binary, ["--version"], { timeout: 5_000 });
    // "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=..."
    return /\bv=(\S+)/.exec(stdout)?.[1] ?? (stdout.trim() || "unknown");
  } catch {
    return "unknown";
  }
}

/** CPU, memory, OS, Node, MariaDB and redis-server versions, and the date. Never throws. */
export async function describeMachine(options: DescribeMachineOptions = {}): Promise<MachineInfo> {
  const cpus = os.cpus();
  const [osLine, mariadb, redis] = await Promise.all([
    osName(),
    mariadbVersion(options.mariadb),
    redisVersion(options.redisServer ?? "redis-server"),
  ]);
  return {
    cpuModel: cpus[0]?.model.trim().replace(/\s+/g, " ") || "unknown CPU",
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: osLine,
    kernel: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    mariadb,
    redis,
    date: (options.now ?? new Date()).toISOString(),
  };
}

/** One line for titles and footers: "AMD EPYC · 2 cores · 7.8 GiB · Debian 12 · Node v20 · MariaDB … · Redis … · 2026-01-01". */
export function machineSummary(machine: MachineInfo): string {
  const mariadb = machine.mariadb.replace(/-MariaDB.*$/, "");
  return [
    machine.cpuModel,
    `${machine.cores} ${machine.cores === 1 ? "core" : "cores"}`,
    `${machine.memoryGiB} GiB`,
    `${machine.os}, ${machine.kernel} ${machine.arch}`,
    `Node ${machine.node}`,
    `MariaDB ${mariadb}`,
    `Redis ${machine.redis}`,
    machine.date.slice(0, 10),
  ].join(" · ");
}
