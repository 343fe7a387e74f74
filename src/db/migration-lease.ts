import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { WriterPool } from "./cluster/writer-pool.js";
import { MysqlErrno, isDuplicateKey, mysqlErrnoOf } from "./errors.js";

/**
 * A lease on a row, so that of the processes starting together (the API, the worker, their replicas)
 * one migrates and the others wait for it. Not GET_LOCK: on Galera a named lock is local to the node
 * that took it, so two processes writing through different nodes (one mid-failover, or listing the
 * nodes in another order) would both migrate. A row is replicated: two nodes inserting it at once
 * are certified in one order, and the second insert fails (a duplicate, or 1213) on every node.
 *
 * The lease expires, so a process killed while migrating does not block every later start; it is
 * far longer than the migrations take. The table is the lease's own, outside drizzle's schema,
 * because it must exist before drizzle's migrations have run.
 */
const CREATE_LEASE_TABLE = `CREATE TABLE IF NOT EXISTS migration_lease (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  holder CHAR(36) NOT NULL,
  expires_at DATETIME(3) NOT NULL
) ENGINE=InnoDB`;

const LEASE_SECONDS = 300;
const POLL_MS = 200;

export interface Lease {
  release(): Promise<void>;
}

/** Takes the lease `name`, waiting up to `waitMs` for another holder to release it or let it lapse. */
export async function acquireLease(pool: WriterPool, name: string, waitMs: number): Promise<Lease> {
  await pool.query(CREATE_LEASE_TABLE);
  const holder = randomUUID();
  const deadline = Date.now() + waitMs;
  for (;;) {
    // A lapsed lease (its holder died) is taken back first; dated by the database's clock.
    await pool.query("DELETE FROM migration_lease WHERE name = ? AND expires_at < CURRENT_TIMESTAMP(3)", [name]);
    try {
      await pool.query(
        "INSERT INTO migration_lease (name, holder, expires_at) VALUES (?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)",
        [name, holder, LEASE_SECONDS],
      );
      return { release: () => releaseLease(pool, name, holder) };
    } catch (error) {
      // Held by another process: a duplicate here, or 1213 when its insert on another node won.
      if (!isDuplicateKey(error) && mysqlErrnoOf(error) !== MysqlErrno.DEADLOCK) throw error;
    }
    if (Date.now() >= deadline) throw new Error(`timed out waiting for another process to finish migrating (${name})`);
    await sleep(POLL_MS);
  }
}

async function releaseLease(pool: WriterPool, name: string, holder: string): Promise<void> {
  await pool.query("DELETE FROM migration_lease WHERE name = ? AND holder = ?", [name, holder]);
}
