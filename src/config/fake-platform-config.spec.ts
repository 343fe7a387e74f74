import { describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { loadFakePlatformConfig } from "./fake-platform-config.js";

describe(loadFakePlatformConfig.name, () => {
  it("listens on 4100 and answers every POST at once when nothing is set", () => {
    expect(loadFakePlatformConfig({})).toEqual({ port: 4100, failRate: 0, delayMs: 0 });
  });

  it("reads its own settings and none of the service's", () => {
    expect(
      loadFakePlatformConfig({
        PORT: "4200",
        FAKE_PLATFORM_FAIL_RATE: "0.3",
        FAKE_PLATFORM_DELAY_MS: "250",
        DATABASE_URL: "not a url",
        JWT_SECRET: "short",
      }),
    ).toEqual({ port: 4200, failRate: 0.3, delayMs: 250 });
  });

  it.each([
    ["PORT", "65536", 'PORT must be an integer between 0 and 65535, got "65536"'],
    ["FAKE_PLATFORM_FAIL_RATE", "1.5", 'FAKE_PLATFORM_FAIL_RATE must be a number between 0 and 1, got "1.5"'],
    ["FAKE_PLATFORM_DELAY_MS", "2.5", 'FAKE_PLATFORM_DELAY_MS must be an integer between 0 and 60000, got "2.5"'],
    ["FAKE_PLATFORM_DELAY_MS", "soon", 'FAKE_PLATFORM_DELAY_MS must be an integer between 0 and 60000, got "soon"'],
  ])("refuses %s=%s with a ConfigError naming it", (name, value, message) => {
    expect(() => loadFakePlatformConfig({ [name]: value })).toThrow(new ConfigError(message));
  });
});
