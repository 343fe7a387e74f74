import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { repositoryRoot } from "../../src/process/paths.js";

/** A free TCP port on loopback, for a child process that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/**
 * Runs `src/app/worker.ts` as its own process and waits until it logs that it is ready (the worker serves
 * no HTTP to poll).
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Omit<ServiceProcess, "url">> {
  const child = spawn(process.execPath, ["--import", "@swc-node/register/esm-register", "src/app/worker.ts"], {
    cwd: repositoryRoot(),
    env: { ...process.env, NODE_ENV: "development", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"worker ready"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await ready;
  return { child, output: () => output, exited };
}

/**
 * Runs `src/app/main.ts` as its own process, exactly as `npm run dev` does (swc emits the decorator
 * metadata type-graphql needs), without waiting for it: for a start that is meant to fail.
 */
export async function spawnServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "@swc-node/register/esm-register", "src/app/main.ts"], {
    cwd: repositoryRoot(),
    env: {
      ...process.env,
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      PORT: String(port),
      FAKE_PLATFORM_PORT: "0",
      FAKE_PG_PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** spawnServiceProcess, then waits until /healthz answers. */
export async function startServiceProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const service = await spawnServiceProcess(env);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && service.child.exitCode === null && service.child.signalCode === null) {
    try {
      if ((await fetch(`${service.url}/healthz`)).ok) return service;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  service.child.kill("SIGKILL");
  throw new Error(`service did not become healthy:\n${service.output()}`);
}

/** Runs an entry point (`src/app/main.ts`, `src/app/api.ts`...) that is expected to stop by itself; its exit code and output. */
export async function runUntilExit(
  entry: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "@swc-node/register/esm-register", entry], {
    cwd: repositoryRoot(),
    env: { ...process.env, NODE_ENV: "development", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  return { code, output };
}

/** SIGKILL, as a crash or an OOM kill would, and wait until the process is gone. */
export async function killNow(child: ChildProcess | null): Promise<void> {
  if (child?.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
