import mysql, { type Connection } from "mysql2/promise";
import { MysqlErrno, mysqlErrnoOf } from "../errors.js";
import type { NodeProbe } from "./writer.rules.js";

/** A probe gives up on a node after this: on a LAN a live node answers in milliseconds. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * A short-lived connection to one node, for the probe and the rare statements below. It names no
 * database: a node is healthy or not whatever the database (which start-up may not have created yet).
 */
async function withNode<T>(url: string, use: (connection: Connection) => Promise<T>): Promise<T> {
  const server = new URL(url);
  server.pathname = "";
  const connection = await mysql.createConnection({ uri: server.toString(), connectTimeout: PROBE_TIMEOUT_MS });
  try {
    return await use(connection);
  } finally {
    connection.destroy();
  }
}

/** Asks a node what writer.rules.ts needs to know; an unreachable node is a probe too. */
export async function probeNode(url: string): Promise<NodeProbe> {
  try {
    return await withNode(url, async (connection) => {
      if (!(await wsrepIsOn(connection))) {
        return { reachable: true, wsrepOn: false, localState: "", clusterStatus: "", ready: true };
      }
      const [rows] = await connection.query({
        sql: "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_status', 'wsrep_ready')",
        timeout: PROBE_TIMEOUT_MS,
      });
      const status = new Map(
        (rows as Array<{ Variable_name: string; Value: string }>).map((row) => [row.Variable_name, row.Value]),
      );
      return {
        reachable: true,
        wsrepOn: true,
        localState: status.get("wsrep_local_state_comment") ?? "",
        clusterStatus: status.get("wsrep_cluster_status") ?? "",
        ready: status.get("wsrep_ready") === "ON",
      };
    });
  } catch (error) {
    return { reachable: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** MySQL has no wsrep variables at all (1193); MariaDB has them, OFF outside a cluster. */
async function wsrepIsOn(connection: Connection): Promise<boolean> {
  try {
    const [rows] = await connection.query({ sql: "SELECT @@global.wsrep_on AS wsrepOn", timeout: PROBE_TIMEOUT_MS });
    return Number((rows as Array<{ wsrepOn: unknown }>)[0]?.wsrepOn) === 1;
  } catch (error) {
    if (mysqlErrnoOf(error) === MysqlErrno.UNKNOWN_SYSTEM_VARIABLE) return false;
    throw error;
  }
}

/** KILL CONNECTION on the node the session is on (best effort; the caller decides what failure means). */
export async function killOnNode(url: string, threadId: number): Promise<void> {
  await withNode(url, (connection) => connection.query("KILL CONNECTION ?", [threadId]));
}

/**
 * One causal read (wsrep_sync_wait) on a node that has just become the writer: it returns once the
 * node has applied every write set the cluster committed before it, so what the old writer committed
 * last is there before requests read it.
 */
export async function syncWithCluster(url: string): Promise<void> {
  await withNode(url, async (connection) => {
    await connection.query("SET SESSION wsrep_sync_wait = 1");
    await connection.query("SELECT 1");
  });
}
