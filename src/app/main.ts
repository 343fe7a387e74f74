import "reflect-metadata";
import { loadConfig, loadLogLevel, usesDevJwtSecret, type Config } from "../config/config.js";
import { createFakeDataPlatform } from "../fake-data-platform/fake-platform.js";
import { createFakePaymentGateway } from "../fake-payment-gateway/fake-pg.js";
import { loadFakePgConfig } from "../config/fake-pg-config.js";
import { createLogger } from "../observability/logger.js";
import { stopOnSignals, type Running } from "../process/lifecycle.js";
import { runApi } from "./run-api.js";
import { LOCAL_FAKE_PLATFORM_URL, runWorker } from "./run-worker.js";
import { exitOnStartupFailure, portInUse } from "../process/startup-failure.js";

/**
 * `npm start`: everything in one process, for a laptop or a demo: the API, the worker and, when
 * DATA_PLATFORM_URL is unset, the bundled fake data platform, and when PG_API_URL is unset, the
 * bundled fake PG (its webhooks sent to this API). Production runs the parts apart (src/app/api.ts,
 * src/app/worker.ts, a real data platform and a real PG).
 */
const log = createLogger(loadLogLevel());
try {
  let config: Config = loadConfig();
  if (usesDevJwtSecret(config)) log.warn("JWT_SECRET is not set: using the development secret (never in production)");

  // Signals are handled from the start: a SIGTERM while the worker is still starting (the API may
  // already answer /healthz) stops what has started, instead of killing the process mid-request.
  const parts: Running[] = [];
  stopOnSignals(log, parts, config.shutdownGraceMs);
  if (config.dataPlatformUrl === null) {
    const platform = createFakeDataPlatform();
    const address = await platform
      .listen(config.fakePlatformPort, "127.0.0.1")
      .catch(portInUse("FAKE_PLATFORM_PORT", config.fakePlatformPort));
    config = { ...config, dataPlatformUrl: LOCAL_FAKE_PLATFORM_URL(address.port) };
    log.info({ url: config.dataPlatformUrl }, "fake data platform started (GET /events lists what it received)");
    parts.push({ stop: () => platform.close() });
  }
  if (config.pg.apiUrl === null) {
    const { confirmWindowSeconds } = loadFakePgConfig();
    const webhookUrl = `http://127.0.0.1:${config.port}/webhooks/pg`;
    const { secretKey, clientKey } = config.pg;
    const pg = createFakePaymentGateway({ secretKey, clientKey, confirmWindowSeconds, webhookUrl });
    const address = await pg
      .listen(config.pg.fakePort, "127.0.0.1")
      .catch(portInUse("FAKE_PG_PORT", config.pg.fakePort));
    const apiUrl = `http://127.0.0.1:${address.port}`;
    // The browser loads the SDK from the same fake, on the port it really took (FAKE_PG_PORT=0 picks one).
    config = { ...config, pg: { ...config.pg, apiUrl, sdkUrl: `http://localhost:${address.port}/v1/sdk.js` } };
    log.info(
      { url: apiUrl },
      "fake PG started (its payment window approves any card; GET /control/payments lists them)",
    );
    parts.push({ stop: () => pg.close() });
  }
  parts.unshift(await runApi(config, log));
  parts.unshift(await runWorker(config, log));
} catch (error) {
  exitOnStartupFailure(log, error);
}
