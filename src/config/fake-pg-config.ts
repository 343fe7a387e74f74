import { ConfigError, FAKE_PG_KEYS, type Env } from "./config.js";

/**
 * The fake payment gateway's settings (`npm run fake-pg`). Apart from loadConfig for the reason
 * fake-platform-config.ts gives: that process stands in for a system outside the service, so it must
 * not need (or validate) the service's settings.
 */

/**
 * The test keys the fake accepts unless told otherwise. The service's own defaults are the same pair,
 * so `npm start` works with no key set. Not secrets: they open nothing but the fake.
 */
export const FAKE_PG_DEFAULT_SECRET_KEY = FAKE_PG_KEYS.secretKey;
export const FAKE_PG_DEFAULT_CLIENT_KEY = FAKE_PG_KEYS.clientKey;

export interface FakePgConfig {
  port: number;
  /** How long an authenticated payment may wait for its confirm before it expires. */
  confirmWindowSeconds: number;
  /** What `Authorization: Basic base64(secretKey + ":")` must carry on the server API. */
  secretKey: string;
  /** What the SDK and the payment window must be given. */
  clientKey: string;
  /** Where PAYMENT_STATUS_CHANGED webhooks go; null sends none. */
  webhookUrl: string | null;
}

// Keys travel in a Basic credential (where a ':' would end the user part) and in URLs: keep them plain.
const KEY_FORM = /^[A-Za-z0-9_-]{1,200}$/;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function key(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!KEY_FORM.test(raw)) throw new ConfigError(`${name} must be 1 to 200 characters of A-Z, a-z, 0-9, _ and -`);
  return raw;
}

function httpUrl(env: Env, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  return raw;
}

export function loadFakePgConfig(env: Env = process.env): FakePgConfig {
  return {
    port: integer(env, "FAKE_PG_PORT", 4200, 0, 65_535),
    confirmWindowSeconds: integer(env, "FAKE_PG_CONFIRM_WINDOW_SECONDS", 600, 1, 86_400),
    secretKey: key(env, "FAKE_PG_SECRET_KEY", FAKE_PG_DEFAULT_SECRET_KEY),
    clientKey: key(env, "FAKE_PG_CLIENT_KEY", FAKE_PG_DEFAULT_CLIENT_KEY),
    webhookUrl: httpUrl(env, "FAKE_PG_WEBHOOK_URL"),
  };
}
