import { describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { FAKE_PG_DEFAULT_CLIENT_KEY, FAKE_PG_DEFAULT_SECRET_KEY, loadFakePgConfig } from "./fake-pg-config.js";

describe(loadFakePgConfig.name, () => {
  it("listens on 4200 with the test keys, a 600 s confirm window and no webhook when nothing is set", () => {
    expect(loadFakePgConfig({})).toEqual({
      port: 4200,
      confirmWindowSeconds: 600,
      secretKey: FAKE_PG_DEFAULT_SECRET_KEY,
      clientKey: FAKE_PG_DEFAULT_CLIENT_KEY,
      webhookUrl: null,
    });
    expect(FAKE_PG_DEFAULT_SECRET_KEY).toBe("test_sk_fakepg_0000000000000000");
    expect(FAKE_PG_DEFAULT_CLIENT_KEY).toBe("test_ck_fakepg_0000000000000000");
  });

  it("reads its own settings and none of the service's", () => {
    expect(
      loadFakePgConfig({
        FAKE_PG_PORT: "0",
        FAKE_PG_CONFIRM_WINDOW_SECONDS: "30",
        FAKE_PG_SECRET_KEY: "test_sk_other",
        FAKE_PG_CLIENT_KEY: "test_ck_other",
        FAKE_PG_WEBHOOK_URL: "http://127.0.0.1:4000/webhooks/pg",
        PORT: "not a port",
        DATABASE_URL: "not a url",
      }),
    ).toEqual({
      port: 0,
      confirmWindowSeconds: 30,
      secretKey: "test_sk_other",
      clientKey: "test_ck_other",
      webhookUrl: "http://127.0.0.1:4000/webhooks/pg",
    });
  });

  it.each([
    ["FAKE_PG_PORT", "65536", 'FAKE_PG_PORT must be an integer between 0 and 65535, got "65536"'],
    [
      "FAKE_PG_CONFIRM_WINDOW_SECONDS",
      "0",
      'FAKE_PG_CONFIRM_WINDOW_SECONDS must be an integer between 1 and 86400, got "0"',
    ],
    [
      "FAKE_PG_CONFIRM_WINDOW_SECONDS",
      "1.5",
      'FAKE_PG_CONFIRM_WINDOW_SECONDS must be an integer between 1 and 86400, got "1.5"',
    ],
    ["FAKE_PG_SECRET_KEY", "with:colon", "FAKE_PG_SECRET_KEY must be 1 to 200 characters of A-Z, a-z, 0-9, _ and -"],
    ["FAKE_PG_CLIENT_KEY", "has space", "FAKE_PG_CLIENT_KEY must be 1 to 200 characters of A-Z, a-z, 0-9, _ and -"],
    ["FAKE_PG_WEBHOOK_URL", "nowhere", 'FAKE_PG_WEBHOOK_URL must be an absolute http(s) URL, got "nowhere"'],
    ["FAKE_PG_WEBHOOK_URL", "ftp://host/x", 'FAKE_PG_WEBHOOK_URL must be an absolute http(s) URL, got "ftp://host/x"'],
  ])("refuses %s=%s with a ConfigError naming it", (name, value, message) => {
    expect(() => loadFakePgConfig({ [name]: value })).toThrow(new ConfigError(message));
  });
});
