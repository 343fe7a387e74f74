import { createFakeDataPlatform } from "../../src/fake-data-platform/fake-platform.js";
import type { Running } from "../../src/process/lifecycle.js";
import { runWorker } from "../../src/app/run-worker.js";
import type { Clock } from "../../src/shared/clock.js";
import type { TestApp } from "./test-app.js";

export type FakePlatform = ReturnType<typeof createFakeDataPlatform>;

/** A fake data platform on a free loopback port, and the env that points the service at it. */
export async function startFakePlatform(
  options: { failRate?: number; delayMs?: number } = {},
): Promise<{ platform: FakePlatform; url: string }> {
  const platform = createFakeDataPlatform(options);
  const address = await platform.listen(0, "127.0.0.1");
  return { platform, url: `http://127.0.0.1:${address.port}/events` };
}

/** The real worker (BullMQ workers, outbox sweep, ranking check) in this process, on the app's config. */
export function startWorker(app: TestApp, clock?: Clock): Promise<Running> {
  return runWorker(app.config, app.log, clock);
}
