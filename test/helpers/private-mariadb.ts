import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import { freePort, killNow } from "./service-process.js";
import { serverEnv } from "./server-env.js";

/**
 * A MariaDB server of the test's own (the machine's mariadbd on a fresh data directory and a free
 * loopback port), so a test may kill and restart it without touching the server other files use.
 */
export class PrivateMariaDb {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static available(): boolean {
    // mariadb-install-db has no option that exits 0 without doing work; finding it on PATH is enough.
    return (
      spawnSync("sh", ["-c", "command -v mariadb-install-db"], { env: serverEnv() }).status === 0 &&
      spawnSync("mariadbd", ["--version"], { env: serverEnv() }).status === 0
    );
  }

  static async start(): Promise<PrivateMariaDb> {
    const dir = mkdtempSync(path.join(tmpdir(), "private-mariadb-"));
    const installed = spawnSync(
      "mariadb-install-db",
      [
        "--no-defaults",
        `--datadir=${dir}/data`,
        "--auth-root-authentication-method=normal",
        "--user=root",
        "--skip-test-db",
      ],
      { encoding: "utf8", env: serverEnv() },
    );
    if (installed.status !== 0) throw new Error(`mariadb-install-db failed: ${installed.stderr}`);
    const server = new PrivateMariaDb(await freePort(), dir);
    await server.restart();
    return server;
  }

  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts mariadbd on the same data directory (after a kill: InnoDB crash recovery) and waits for it. */
  async restart(): Promise<void> {
    this.child = spawn(
      "mariadbd",
      [
        "--no-defaults",
        `--datadir=${this.dir}/data`,
        `--port=${this.port}`,
        "--bind-address=127.0.0.1",
        `--socket=${this.dir}/sock`,
        `--pid-file=${this.dir}/pid`,
        "--user=root",
        "--innodb-buffer-pool-size=64M",
      ],
      { stdio: "ignore", env: serverEnv() },
    );
    for (let attempt = 0; attempt < 300; attempt += 1) {
      try {
        const connection = await mysql.createConnection({ host: "127.0.0.1", port: this.port, user: "root" });
        await connection.end();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`mariadbd did not start on ${this.port}`);
  }

  /** SIGKILL: the server dies mid-transaction, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    await killNow(child);
  }
}
