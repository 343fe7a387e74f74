import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GaleraCluster } from "../helpers/galera-cluster.js";
import { rejectionOf } from "../helpers/thrown.js";
import { until } from "../helpers/until.js";

const available = GaleraCluster.available();
if (!available)
  console.warn(
    "SKIPPED galera-cluster.spec: needs mariadbd, mariadb-install-db, rsync, wsrep_sst_rsync and /usr/lib/galera/libgalera_smm.so (Debian: galera-4)",
  );

/** One statement on its own connection: nodes are killed and frozen under the test's feet. */
async function query<T>(url: string, sql: string, values: unknown[] = []): Promise<T> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 5_000 });
  try {
    const [rows] = await connection.query(sql, values);
    return rows as T;
  } finally {
    connection.destroy();
  }
}

/**
 * The ids in `items` as this node sees them, once it has applied everything committed anywhere before
 * the read (wsrep_sync_wait): replication is synchronous, applying on the other nodes is not.
 */
async function ids(url: string): Promise<number[]> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 5_000 });
  try {
    await connection.query("SET SESSION wsrep_sync_wait = 1");
    const [rows] = await connection.query<Array<mysql.RowDataPacket & { id: number }>>(
      "SELECT id FROM items ORDER BY id",
    );
    return rows.map((row) => row.id);
  } finally {
    connection.destroy();
  }
}

/**
 * The Galera helper itself, on a real 3-node cluster: writes replicate, a killed node comes back by IST
 * with what it missed, and a node cut off from the other two stops serving until they return.
 */
describe.skipIf(!available)("a 3-node MariaDB Galera cluster on loopback", () => {
  let cluster: GaleraCluster;
  let urls: string[];

  beforeAll(async () => {
    const started = Date.now();
    cluster = await GaleraCluster.start();
    console.info(
      `galera: ${cluster.size} nodes Synced on ports ${cluster.ports.join(", ")} in ${Date.now() - started} ms`,
    );
    await query(cluster.url(1, ""), "CREATE DATABASE galera_check");
    urls = cluster.urls("galera_check");
    await query(urls[0]!, "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(20) NOT NULL)");
  }, 180_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if start failed
    await cluster?.stop();
  }, 60_000);

  it("replicates writes to every node and spreads auto-increment values across them", async () => {
    await query(urls[0]!, "INSERT INTO items (label) VALUES ('a'), ('b'), ('c')");
    const written = await ids(urls[0]!);
    expect(written).toHaveLength(3);
    expect(await ids(urls[2]!)).toEqual(written);
    // wsrep_auto_increment_control: each node hands out its own residue modulo the cluster size.
    const [variables] = await query<Array<{ increment: number }>>(
      urls[1]!,
      "SELECT @@auto_increment_increment AS increment",
    );
    expect(variables?.increment).toBe(3);
  });

  it("rejoins a killed node by IST, with the rows written while it was down", async () => {
    await cluster.kill(3);
    // Written once node 3 has left the view, so it really misses them.
    await until("node 1 to see 2 members", async () =>
      (await cluster.status(1))?.clusterSize === 2 ? true : undefined,
    );
    await query(urls[0]!, "INSERT INTO items (label) VALUES ('while-down-1'), ('while-down-2')");
    await cluster.restart(3);
    expect(await cluster.lastJoinMethod(3)).toBe("IST");
    expect(await ids(urls[2]!)).toEqual(await ids(urls[0]!));
    expect(await ids(urls[2]!)).toHaveLength(5);
    await cluster.waitSynced("all", 60_000);
  }, 120_000);

  it("leaves a lone node non-Primary while the other two are frozen, and re-forms the cluster after the thaw", async () => {
    await cluster.freeze(2);
    await cluster.freeze(3);
    await until(
      "node 1 to lose the primary component",
      async () => ((await cluster.status(1))?.clusterStatus === "non-Primary" ? true : undefined),
      60_000,
    );
    const refused = await rejectionOf(query(urls[0]!, "SELECT id FROM items"));
    expect(refused).toMatchObject({ errno: 1047 });

    await cluster.thaw(2);
    await cluster.thaw(3);
    await cluster.waitSynced("all", 60_000);
    for (let node = 1; node <= cluster.size; node += 1)
      expect(await cluster.status(node)).toEqual({ state: "Synced", clusterStatus: "Primary", clusterSize: 3 });
    await query(urls[1]!, "INSERT INTO items (label) VALUES ('after-thaw')");
    expect(await ids(urls[0]!)).toHaveLength(6);
  }, 120_000);
});
