import { spawn, type ChildProcess } from "node:child_process";
import { repositoryRoot } from "../../src/process/paths.js";
import { FakePgDriver } from "./fake-pg-driver.js";
import { freePort, killNow } from "./service-process.js";

export interface FakePgProcess {
  url: string;
  driver: FakePgDriver;
  child: ChildProcess;
  /** The env that points the service at this PG. */
  serviceEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Runs the fake PG as a process of its own (`npm run fake-pg`), as the PG is to the service: another
 * system, reached over HTTP only. Resolves once it logs that it is ready.
 */
export async function startFakePgProcess(env: Record<string, string> = {}, timeoutMs = 30_000): Promise<FakePgProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "@swc-node/register/esm-register", "src/fake-payment-gateway/main.ts"],
    {
      cwd: repositoryRoot(),
      env: { ...process.env, LOG_LEVEL: "info", FAKE_PG_PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fake PG did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("fake PG ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the fake PG exited (${code}):\n${output}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const driver = new FakePgDriver(url);
  return {
    url,
    driver,
    child,
    serviceEnv: { PG_API_URL: url, PG_SECRET_KEY: driver.keys.secretKey, PG_CLIENT_KEY: driver.keys.clientKey },
    stop: () => killNow(child),
  };
}
