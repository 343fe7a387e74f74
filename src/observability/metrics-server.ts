import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { registry } from "./metrics.js";

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/**
 * Whether an Authorization header carries `Bearer <token>`. Compared as digests in constant time, so
 * neither the token's characters nor its length show in how long a refusal takes.
 */
function hasBearerToken(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(authorization ?? "")?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/** Answers a scrape of /metrics: 401 without the token when one is set. */
export function metricsHandler(token: string | null): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    if (token !== null && !hasBearerToken(req.headers.authorization, token)) {
      res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="metrics"' }).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  };
}

export interface MetricsServerOptions {
  host?: string;
  /** METRICS_TOKEN: required on /metrics when set. */
  token?: string | null;
}

/**
 * /metrics and /healthz on a port of their own: for a process that serves no other HTTP (the worker
 * run on its own), and for the API under METRICS_PORT, which keeps its metrics off the public port.
 */
export async function startMetricsServer(
  port: number,
  { host = "0.0.0.0", token = null }: MetricsServerOptions = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const metrics = metricsHandler(token);
  const server = http.createServer((req, res) => {
    if (req.url === "/metrics") {
      metrics(req, res);
    } else if (req.url === "/healthz") {
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"ok"}');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
