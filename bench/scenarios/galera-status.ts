import mysql from "mysql2/promise";
import type { GaleraCluster } from "../../test/helpers/galera-cluster.js";

/**
 * Galera's own counters on each node (SHOW GLOBAL STATUS, cumulative since the node started), read
 * before and after a scenario so that it can say what replication did meanwhile: writesets that lost
 * certification, local transactions aborted by a replicated one, and time spent in flow control (a
 * node too far behind asks the others to stop committing until it catches up).
 */
const COUNTERS = [
  "wsrep_local_cert_failures",
  "wsrep_local_bf_aborts",
  "wsrep_flow_control_sent",
  "wsrep_flow_control_paused_ns",
] as const;

type Counter = (typeof COUNTERS)[number];

/** One reading of every node, node 1 first. */
export type GaleraCounters = Array<Record<Counter, number>>;

export async function readGaleraCounters(cluster: GaleraCluster, database: string): Promise<GaleraCounters> {
  const readings: GaleraCounters = [];
  for (let node = 1; node <= cluster.size; node += 1) {
    const connection = await mysql.createConnection({ uri: cluster.url(node, database), connectTimeout: 5_000 });
    try {
      const [rows] = await connection.query<Array<mysql.RowDataPacket & { Variable_name: string; Value: string }>>(
        "SHOW GLOBAL STATUS WHERE Variable_name IN (?)",
        [COUNTERS],
      );
      const value = (name: Counter) =>
        Number(rows.find((row) => row.Variable_name.toLowerCase() === name)?.Value ?? NaN);
      readings.push(Object.fromEntries(COUNTERS.map((name) => [name, value(name)])) as Record<Counter, number>);
    } finally {
      await connection.end();
    }
  }
  return readings;
}

/** What the counters say happened between two readings, summed over the nodes, as report figures. */
export function galeraFigures(
  before: GaleraCounters,
  after: GaleraCounters,
  elapsedMs: number,
): Record<string, number> {
  const delta = (name: Counter) =>
    after.reduce((sum, node, index) => sum + node[name] - (before[index]?.[name] ?? 0), 0);
  return {
    "galera: certification failures (all nodes)": delta("wsrep_local_cert_failures"),
    "galera: brute-force aborts (all nodes)": delta("wsrep_local_bf_aborts"),
    "galera: flow control messages sent (all nodes)": delta("wsrep_flow_control_sent"),
    // Flow control pauses every node at once; node 1's share is the time the writes could not commit.
    "galera: writer (node 1) paused by flow control, % of the run":
      (((after[0]?.wsrep_flow_control_paused_ns ?? 0) - (before[0]?.wsrep_flow_control_paused_ns ?? 0)) /
        1e6 /
        elapsedMs) *
      100,
  };
}
