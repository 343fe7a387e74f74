import { loadLogLevel } from "../config/config.js";
import { loadFakePlatformConfig } from "../config/fake-platform-config.js";
import { createLogger } from "../observability/logger.js";
import { stopOnSignals } from "../process/lifecycle.js";
import { exitOnStartupFailure, portInUse } from "../process/startup-failure.js";
import { createFakeDataPlatform } from "./fake-platform.js";

/**
 * The fake data platform on its own: `node dist/src/fake-data-platform/main.js` (or `npm run data-platform`).
 * Point the service at it with DATA_PLATFORM_URL=http://<host>:<port>/events. Its settings are its
 * own (src/config/fake-platform-config.ts), not the service's.
 */

const log = createLogger(loadLogLevel()).child({ component: "fake-data-platform" });

try {
  const { port, failRate, delayMs } = loadFakePlatformConfig();

  const platform = createFakeDataPlatform({ failRate, delayMs });
  const address = await platform.listen(port, "0.0.0.0").catch(portInUse("PORT", port));
  log.info(
    { port: address.port, failRate, delayMs },
    `fake data platform ready: POST http://localhost:${address.port}/events`,
  );
  stopOnSignals(log, [{ stop: () => platform.close() }], 5_000);
} catch (error) {
  exitOnStartupFailure(log, error);
}
