import { ConfigError, type Env } from "./config.js";

/**
 * The fake data platform's settings (`npm run data-platform`). Apart from loadConfig on purpose: that
 * process is not the service but a stand-in for a system outside it, so it must not need (or
 * validate) the service's settings such as DATABASE_URL or JWT_SECRET.
 */
export interface FakePlatformConfig {
  port: number;
  /** Share of well-formed POSTs answered 503 instead of stored, 0 to 1. */
  failRate: number;
  /** Wait before answering each POST. */
  delayMs: number;
}

function numberFromEnv(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigError(
      `${name} must be ${integer ? "an integer" : "a number"} between ${min} and ${max}, got "${raw}"`,
    );
  }
  return value;
}

export function loadFakePlatformConfig(env: Env = process.env): FakePlatformConfig {
  return {
    port: numberFromEnv(env, "PORT", 4100, 0, 65_535, true),
    failRate: numberFromEnv(env, "FAKE_PLATFORM_FAIL_RATE", 0, 0, 1, false),
    delayMs: numberFromEnv(env, "FAKE_PLATFORM_DELAY_MS", 0, 0, 60_000, true),
  };
}
