import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import { present } from "../../src/shared/present.js";
import { freePort } from "./service-process.js";
import { serverEnv } from "./server-env.js";

/** Where Debian's galera-4 package puts the wsrep provider (`dpkg -L galera-4`). */
const PROVIDER = "/usr/lib/galera/libgalera_smm.so";

/** What `SHOW STATUS LIKE 'wsrep_%'` says of a node's place in the cluster. */
export interface GaleraNodeStatus {
  /** wsrep_local_state_comment: Synced, Donor/Desynced, Joining, Joined, Initialized... */
  state: string;
  /** wsrep_cluster_status: Primary, or non-Primary when this node's component lost the quorum. */
  clusterStatus: string;
  clusterSize: number;
}

/** How a node that (re)joined got the data it missed: a replay of the writesets (IST) or a full copy (SST). */
export type GaleraJoinMethod = "IST" | "SST" | "unknown";

/** The loopback ports one node listens on. */
export interface GaleraNodePorts {
  sql: number;
  /** Group communication (gmcast.listen_addr), the address other nodes list in wsrep_cluster_address. */
  group: number;
  /** Incremental state transfer receiver (ist.recv_addr). */
  ist: number;
  /** The rsync daemon a joiner runs during a state transfer (wsrep_sst_receive_address). */
  sst: number;
}

interface GaleraNode {
  /** 1-based, as in the error messages and the API. */
  index: number;
  dir: string;
  cnf: string;
  errorLog: string;
  /** mariadbd's stdout and stderr: what it says before it opens log_error (a bad option, for one). */
  consoleLog: string;
  ports: GaleraNodePorts;
  child: ChildProcess | null;
  /** Kept apart from `child`: the process group to signal, even once the ChildProcess object is gone. */
  pid: number | null;
  exited: Promise<void> | null;
  frozen: boolean;
  /** Length of the error log when the node was last started, so lastJoinMethod reads only that start. */
  logOffset: number;
}

/**
 * A real MariaDB Galera cluster of `size` nodes on loopback ports, each the machine's mariadbd on a data
 * directory of its own, for proving what the service does when a node dies, rejoins or loses the quorum.
 * Nodes are numbered from 1; node 1 bootstraps the cluster and the others join it by rsync SST.
 *
 * Each node reads only the my.cnf generated here (`--defaults-file` first on the command line), so the
 * machine's /etc/mysql configuration and its own server on 3306 are never involved.
 */
export class GaleraCluster {
  private watchdog: ChildProcess | null = null;
  private watchdogDir: string | null = null;

  private constructor(
    private readonly nodes: GaleraNode[],
    private readonly runAsMysql: boolean,
  ) {}

  static available(): boolean {
    const onPath = (command: string) =>
      spawnSync("sh", ["-c", `command -v ${command}`], { env: serverEnv() }).status === 0;
    return (
      existsSync(PROVIDER) &&
      ["mariadbd", "mariadb-install-db", "rsync", "wsrep_sst_rsync"].every(onPath) &&
      // As root, mariadbd must switch to an unprivileged user; rsync SST then runs as that user too.
      (process.getuid?.() !== 0 || spawnSync("id", ["-u", "mysql"]).status === 0)
    );
  }

  /**
   * Bootstraps node 1, then has the others join one at a time (a donor serves one SST at a time), and
   * returns once every node is Synced in a Primary component of all of them. On failure, whatever was
   * started is killed and removed before the error (with the failing node's log) is thrown.
   */
  static async start(options: { nodes?: number; timeoutMs?: number } = {}): Promise<GaleraCluster> {
    const count = options.nodes ?? 3;
    const timeoutMs = options.timeoutMs ?? 90_000;
    const runAsMysql = process.getuid?.() === 0;
    const ports = await distinctFreePorts(count * 4);
    const nodes = Array.from({ length: count }, (_, i): GaleraNode => {
      const dir = mkdtempSync(path.join(tmpdir(), `galera-node${i + 1}-`));
      return {
        index: i + 1,
        dir,
        cnf: path.join(dir, "my.cnf"),
        errorLog: path.join(dir, "error.log"),
        consoleLog: path.join(dir, "console.log"),
        ports: { sql: ports[i * 4]!, group: ports[i * 4 + 1]!, ist: ports[i * 4 + 2]!, sst: ports[i * 4 + 3]! },
        child: null,
        pid: null,
        exited: null,
        frozen: false,
        logOffset: 0,
      };
    });
    const cluster = new GaleraCluster(nodes, runAsMysql);
    cluster.startWatchdog();
    try {
      for (const node of nodes) {
        cluster.writeConfig(node);
        // Empty for a joiner: mariadbd must be able to enter it before the SST fills it.
        mkdirSync(path.join(node.dir, "data"));
      }
      // mkdtemp makes a root-only directory; mariadbd runs as mysql and writes its datadir and logs there
      // (the joiners' datadirs are filled by rsync SST, as mysql too).
      if (runAsMysql) for (const node of nodes) run("chown", ["-R", "mysql:mysql", node.dir], node.dir);
      const first = nodes[0]!;
      run(
        "mariadb-install-db",
        [
          // The bootstrap server must not read /etc/mysql either; the options it needs are given here.
          "--no-defaults",
          `--datadir=${first.dir}/data`,
          ...(runAsMysql ? ["--user=mysql"] : []),
          "--auth-root-authentication-method=normal",
          "--skip-test-db",
          // The same redo log size as my.cnf, so the first start does not resize it.
          "--innodb-log-file-size=16M",
        ],
        first.dir,
      );
      cluster.spawnNode(first, ["--wsrep-new-cluster"]);
      await cluster.waitSynced(1, timeoutMs);
      for (const node of nodes.slice(1)) {
        cluster.spawnNode(node, []);
        await cluster.waitSynced(node.index, timeoutMs);
      }
      await cluster.waitSynced("all", timeoutMs);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Each node's SQL port, node 1 first. */
  get ports(): number[] {
    return this.nodes.map((node) => node.ports.sql);
  }

  url(node: number, database: string): string {
    return `mysql://root@127.0.0.1:${this.node(node).ports.sql}/${database}`;
  }

  urls(database: string): string[] {
    return this.nodes.map((node) => this.url(node.index, database));
  }

  /**
   * A connection to one node that reads what the whole cluster has committed (wsrep_sync_wait=1: each
   * read waits until the node has applied every write certified before it), for checking each node.
   */
  async syncedReader(node: number, database: string): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({ uri: this.url(node, database), connectTimeout: 5_000 });
    connection.on("error", () => undefined);
    await connection.query("SET SESSION wsrep_sync_wait = 1");
    return connection;
  }

  /** The node's view of the cluster, or null when it does not answer (killed, frozen, starting). */
  async status(node: number): Promise<GaleraNodeStatus | null> {
    const port = this.node(node).ports.sql;
    let connection: mysql.Connection | undefined;
    try {
      // Short timeouts: a frozen node accepts the TCP connection (the kernel does) but never greets.
      connection = await mysql.createConnection({
        host: "127.0.0.1",
        port,
        user: "root",
        connectTimeout: 2_000,
      });
      connection.on("error", () => undefined);
      const [rows] = await connection.query<Array<mysql.RowDataPacket & { Variable_name: string; Value: string }>>({
        sql: "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_status', 'wsrep_cluster_size')",
        timeout: 2_000,
      });
      const value = (name: string) => rows.find((row) => row.Variable_name.toLowerCase() === name)?.Value ?? "";
      return {
        state: value("wsrep_local_state_comment"),
        clusterStatus: value("wsrep_cluster_status"),
        clusterSize: Number(value("wsrep_cluster_size")),
      };
    } catch {
      return null;
    } finally {
      // destroy, not end: end waits for a server that may be frozen.
      connection?.destroy();
    }
  }

  /**
   * Waits until the node is Synced in a Primary component, or with "all", until every node is and each
   * counts all of them. Right after a thaw a node may still report the view it had before it froze, so
   * a single node's answer proves less than "all".
   */
  async waitSynced(which: number | "all", timeoutMs = 90_000): Promise<void> {
    const nodes = which === "all" ? this.nodes : [this.node(which)];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await Promise.all(nodes.map((node) => this.status(node.index)));
      const lagging = nodes.filter((node, i) => {
        const status = statuses[i];
        return (
          status?.state !== "Synced" ||
          status.clusterStatus !== "Primary" ||
          (which === "all" && status.clusterSize !== this.nodes.length)
        );
      });
      if (lagging.length === 0) return;
      // A node that exited (a bad option, a failed SST) will never sync: say so now, with its log.
      const dead = lagging.find(
        (node) => node.child && (node.child.exitCode !== null || node.child.signalCode !== null),
      );
      if (dead) throw new Error(`galera node ${dead.index} exited while starting:\n${this.logTail(dead)}`);
      if (Date.now() > deadline) {
        const node = lagging[0]!;
        const status = statuses[nodes.indexOf(node)];
        throw new Error(
          `galera node ${node.index} not Synced/Primary${which === "all" ? `/size ${this.nodes.length}` : ""} after ${timeoutMs} ms (last status ${JSON.stringify(status)}):\n${this.logTail(node)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** SIGKILL, as a crash or an OOM kill would; the node's datadir stays, for restart. */
  async kill(node: number): Promise<void> {
    const target = this.node(node);
    signal(target, "SIGKILL");
    await target.exited;
    target.child = null;
    target.pid = null;
    target.exited = null;
    target.frozen = false;
  }

  /**
   * Starts a killed node again on its own datadir and waits until it is Synced. After a SIGKILL
   * grastate.dat says seqno -1, which would cost a full SST; so, as Debian's galera_recovery does,
   * `--wsrep-recover` first reads the last committed position from InnoDB, and the node starts from
   * there, so a donor whose gcache still holds the writesets it missed sends only those (IST).
   */
  async restart(node: number, timeoutMs = 90_000): Promise<void> {
    const target = this.node(node);
    if (target.child?.exitCode === null && target.child.signalCode === null)
      throw new Error(`galera node ${node} is still running; kill it first`);
    const before = fileSize(target.errorLog);
    await new Promise<void>((resolve, reject) => {
      const recovery = spawn("mariadbd", [`--defaults-file=${target.cnf}`, ...this.userOption(), "--wsrep-recover"], {
        stdio: "ignore",
        env: serverEnv(),
      });
      recovery.once("error", reject);
      recovery.once("exit", (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`mariadbd --wsrep-recover exited with ${code}:\n${this.logTail(target)}`)),
      );
    });
    const recovered = /WSREP: Recovered position: ([0-9a-f-]{36}:-?\d+)/.exec(readFrom(target.errorLog, before))?.[1];
    // A node that never committed anything recovers seqno -1: nothing to start from, it asks for an SST.
    const startPosition = recovered && !recovered.endsWith(":-1") ? [`--wsrep-start-position=${recovered}`] : [];
    this.spawnNode(target, startPosition);
    await this.waitSynced(node, timeoutMs);
  }

  /**
   * How the node got its data the last time it started, from the rsync SST script's own report in its
   * error log ("rsync IST completed on joiner" when the donor sent only writesets). "unknown" for the
   * node that bootstrapped, which received nothing.
   */
  async lastJoinMethod(node: number): Promise<GaleraJoinMethod> {
    const target = this.node(node);
    const log = readFrom(target.errorLog, target.logOffset);
    if (log.includes("rsync IST completed on joiner")) return "IST";
    if (log.includes("rsync SST completed on joiner")) return "SST";
    return "unknown";
  }

  /**
   * SIGSTOP: the node stops answering anyone (its peers, clients) without closing a connection, as behind
   * a network partition. Freezing a majority leaves the rest non-Primary, refusing queries with 1047.
   */
  async freeze(node: number): Promise<void> {
    const target = this.node(node);
    signal(target, "SIGSTOP");
    target.frozen = true;
  }

  /**
   * SIGCONT. Measured on a 2-core box: with 2 of 3 frozen, thawed as soon as the survivor went
   * non-Primary or 30 s later, the three re-form a Primary component of 3 by themselves some 5-7 s after
   * the thaw (the members of the last primary component find each other again; no auto-eviction is
   * configured), so no `pc.bootstrap=YES` is needed. waitSynced("all") tells when; a thawed node may
   * report its old Synced/Primary view for a moment before it notices.
   */
  async thaw(node: number): Promise<void> {
    const target = this.node(node);
    signal(target, "SIGCONT");
    target.frozen = false;
  }

  /** Kills every node (thawed first, so nothing lingers stopped) and removes their directories. */
  async stop(): Promise<void> {
    this.watchdog?.kill("SIGKILL");
    await Promise.all(
      this.nodes.map(async (node) => {
        if (node.frozen) signal(node, "SIGCONT");
        signal(node, "SIGKILL");
        await node.exited;
        node.child = null;
        node.pid = null;
        node.exited = null;
        node.frozen = false;
      }),
    );
    for (const node of this.nodes) rmSync(node.dir, { recursive: true, force: true });
    if (this.watchdogDir) rmSync(this.watchdogDir, { recursive: true, force: true });
  }

  private node(index: number): GaleraNode {
    const node = this.nodes[index - 1];
    if (!node) throw new Error(`no galera node ${index}: nodes are 1..${this.nodes.length}`);
    return node;
  }

  private userOption(): string[] {
    return this.runAsMysql ? ["--user=mysql"] : [];
  }

  private writeConfig(node: GaleraNode): void {
    const others = this.nodes.filter((other) => other !== node).map((other) => `127.0.0.1:${other.ports.group}`);
    const provider = [
      `base_port=${node.ports.group}`,
      `gmcast.listen_addr=tcp://127.0.0.1:${node.ports.group}`,
      `ist.recv_addr=127.0.0.1:${node.ports.ist}`,
      // Large enough to hold what a test writes while a node is down, so it rejoins by IST.
      "gcache.size=64M",
      // A silent peer is suspected after 3 s and declared inactive after 6 s (the defaults are 5 s and 15 s):
      // a frozen majority costs a test seconds, not a quarter of a minute, while staying well above the
      // stalls a loaded 2-core machine gives a healthy node.
      "evs.suspect_timeout=PT3S",
      "evs.inactive_timeout=PT6S",
      "evs.inactive_check_period=PT1S",
      "evs.keepalive_period=PT1S",
      // How long a starting node waits for a Primary component before it gives up.
      "pc.wait_prim_timeout=PT30S",
    ].join(";");
    const lines = [
      "[mysqld]",
      `datadir=${node.dir}/data`,
      `port=${node.ports.sql}`,
      "bind-address=127.0.0.1",
      `socket=${node.dir}/mysqld.sock`,
      `pid-file=${node.dir}/mysqld.pid`,
      `log_error=${node.errorLog}`,
      "innodb_buffer_pool_size=64M",
      "innodb_log_file_size=16M",
      "binlog_format=ROW",
      "default_storage_engine=InnoDB",
      "innodb_autoinc_lock_mode=2",
      "wsrep_on=ON",
      `wsrep_provider=${PROVIDER}`,
      `wsrep_cluster_address=gcomm://${others.join(",")}`,
      "wsrep_cluster_name=galera_test",
      `wsrep_node_name=node${node.index}`,
      `wsrep_node_address=127.0.0.1:${node.ports.group}`,
      "wsrep_sst_method=rsync",
      `wsrep_sst_receive_address=127.0.0.1:${node.ports.sst}`,
      `wsrep_provider_options="${provider}"`,
      "",
    ];
    writeFileSync(node.cnf, lines.join("\n"));
  }

  /**
   * The nodes run in process groups of their own (below), so they would outlive a test process whose
   * teardown never ran (a hook that timed out, a crash, the test runner killing its worker) and hold
   * memory and ports for the rest of the run. A watchdog shell polls this process each second; once it
   * has gone, it kills the node groups listed in its pid file (thawed first) and removes the directories.
   */
  private startWatchdog(): void {
    this.watchdogDir = mkdtempSync(path.join(tmpdir(), "galera-watchdog-"));
    this.writePids();
    const script = [
      "parent=$1; pids=$2; shift 2",
      'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
      'for pid in $(cat "$pids"); do kill -CONT -"$pid" 2>/dev/null; kill -KILL -"$pid" 2>/dev/null; done',
      'rm -rf "$@"',
    ].join("\n");
    const dirs = [...this.nodes.map((node) => node.dir), this.watchdogDir];
    this.watchdog = spawn("sh", ["-c", script, "galera-watchdog", String(process.pid), this.pidsFile(), ...dirs], {
      stdio: "ignore",
      detached: true,
    });
    this.watchdog.unref();
  }

  private pidsFile(): string {
    return path.join(present(this.watchdogDir, "the watchdog's directory"), "pids");
  }

  /** The node process groups the watchdog kills: every node's current pid. */
  private writePids(): void {
    if (!this.watchdogDir) return;
    const pids = this.nodes.flatMap((node) => (node.pid === null ? [] : [String(node.pid)]));
    writeFileSync(this.pidsFile(), pids.join("\n"));
  }

  private spawnNode(node: GaleraNode, extra: string[]): void {
    node.logOffset = fileSize(node.errorLog);
    const consoleLog = openSync(node.consoleLog, "a");
    // --defaults-file must come first, or mariadbd reads /etc/mysql/my.cnf as well. Its own process group
    // (detached), so that a kill also reaches the SST script and the rsync it runs, not just mariadbd.
    const child = spawn("mariadbd", [`--defaults-file=${node.cnf}`, ...this.userOption(), ...extra], {
      stdio: ["ignore", consoleLog, consoleLog],
      env: serverEnv(),
      detached: true,
    });
    closeSync(consoleLog);
    node.child = child;
    node.pid = child.pid ?? null;
    node.frozen = false;
    this.writePids();
    node.exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve());
    });
  }

  private logTail(node: GaleraNode): string {
    const tail = (file: string, lines: number) =>
      existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "(none)";
    return `--- ${node.errorLog} (tail)\n${tail(node.errorLog, 40)}\n--- ${node.consoleLog} (tail)\n${tail(node.consoleLog, 10)}`;
  }
}

/** Sends `name` to the node's process group; a node that is not running (or already gone) is left alone. */
function signal(node: GaleraNode, name: NodeJS.Signals): void {
  if (node.pid === null) return;
  try {
    process.kill(-node.pid, name);
  } catch {
    // ESRCH: it has exited already.
  }
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: serverEnv() });
  if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr}${result.stdout}`);
}

/** The file from byte `offset` on (offsets are byte counts, as fileSize gives them). */
function readFrom(file: string, offset: number): string {
  return existsSync(file) ? readFileSync(file).subarray(offset).toString("utf8") : "";
}

function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** freePort, asked until it has given `count` different ports (it may hand back one it gave before). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
