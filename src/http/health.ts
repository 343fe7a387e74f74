import type { Router } from "express";
import express from "express";
import type { RedisClient } from "../redis/connection.js";
import type { Database } from "../db/client.js";

const CHECK_TIMEOUT_MS = 1_000;

function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function check(work: () => Promise<unknown>): Promise<"ok" | "down"> {
  try {
    await withinTimeout(work());
    return "ok";
  } catch {
    return "down";
  }
}

/**
 * /healthz: the process is up (liveness, no dependencies checked, so a database outage never gets
 * the API restarted in a loop). /readyz: MariaDB and Redis both answer within a second (readiness).
 */
export function healthRoutes(database: Database, redis: RedisClient): Router {
  const router = express.Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const [mysql, redisState] = await Promise.all([
      check(() => database.pool.query("SELECT 1")),
      check(() => redis.ping()),
    ]);
    const ready = mysql === "ok" && redisState === "ok";
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", checks: { mysql, redis: redisState } });
  });
  return router;
}
