import { loadLogLevel } from "../config/config.js";
import { loadFakePgConfig } from "../config/fake-pg-config.js";
import { createLogger } from "../observability/logger.js";
import { stopOnSignals } from "../process/lifecycle.js";
import { exitOnStartupFailure, portInUse } from "../process/startup-failure.js";
import { createFakePaymentGateway } from "./fake-pg.js";

/**
 * The fake payment gateway on its own: `node dist/src/fake-payment-gateway/main.js` (or
 * `npm run fake-pg`). Point the service at it with PG_API_URL=http://<host>:<port> and the same keys.
 * Its settings are its own (src/config/fake-pg-config.ts), not the service's.
 */

const log = createLogger(loadLogLevel()).child({ component: "fake-pg" });

try {
  const { port, confirmWindowSeconds, secretKey, clientKey, webhookUrl } = loadFakePgConfig();

  const pg = createFakePaymentGateway({ secretKey, clientKey, confirmWindowSeconds, webhookUrl });
  const address = await pg.listen(port, "0.0.0.0").catch(portInUse("FAKE_PG_PORT", port));
  // The keys are the fake's test keys or ones chosen for a test: logging the client key helps, and
  // the secret key is left out all the same, as a real one must be.
  log.info(
    { port: address.port, confirmWindowSeconds, clientKey, webhookUrl },
    `fake PG ready: http://localhost:${address.port} (SDK at /v1/sdk.js, API at /v1/payments)`,
  );
  stopOnSignals(log, [{ stop: () => pg.close() }], 5_000);
} catch (error) {
  exitOnStartupFailure(log, error);
}
