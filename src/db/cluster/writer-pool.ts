import mysql, {
  type ExecuteValues,
  type FieldPacket,
  type Pool,
  type PoolConnection,
  type QueryOptions,
  type QueryResult,
  type QueryValues,
} from "mysql2/promise";
import { dbWriterChanges, dbWriterNode } from "../../observability/metrics.js";
import { MysqlErrno, NO_WRITER_CODE, isNodeFailure, mysqlErrnoOf } from "../errors.js";
import { present } from "../../shared/present.js";
import { probeNode, killOnNode, syncWithCluster } from "./node-probe.js";
import { isReadOnlyStatement } from "./statement.rules.js";
import { chooseWriter, shouldMoveWriter, writerVerdict, type NodeProbe } from "./writer.rules.js";

/** What the operator is told when the writes move (the composition root logs it). */
export interface WriterChange {
  from: string | null;
  to: string | null;
  /** Why the old writer was left, or why none could be chosen, per node. */
  reasons: string[];
}

export interface WriterPoolOptions {
  /** Node URLs in order of preference (DATABASE_URLS), or the one server of DATABASE_URL. */
  urls: readonly string[];
  /** Opens the mysql2 pool of one node (createDatabase's settings). */
  createPool: (url: string) => Pool;
  /**
   * DATABASE_URLS was set: probe the nodes, write through the first Synced node of the Primary
   * component and move when it fails. Off (DATABASE_URL), the one server is used as it is, unprobed.
   */
  cluster: boolean;
  /** How often the nodes are probed in cluster mode; a failure seen by a statement probes at once. */
  checkIntervalMs?: number;
  onWriterChange?: (change: WriterChange) => void;
}

/** In-flight statements on a writer left because another node came back first in the order may finish. */
const RETIRED_POOL_GRACE_MS = 30_000;
/** Tries of a read outside a transaction whose node failed under it (see send). */
const READ_ATTEMPTS = 2;
/** After no node could write, requests fail at once for this long before the nodes are probed again. */
const NO_WRITER_BACKOFF_MS = 250;

/**
 * The pool every part of the service uses: the mysql2 pool of the node that takes the writes. In
 * cluster mode it watches the nodes (writer.rules.ts decides) and moves to the next writable one when
 * the writer dies or leaves the Primary component; a request arriving meanwhile waits for the choice
 * (about one probe, well under a second on a LAN) rather than failing. Reads that must be exact
 * (stock, balances) go where the writes go, so they are never behind them.
 *
 * drizzle and the transaction runners call three methods of a mysql2 pool, which this provides:
 * getConnection, query and execute (see asDriverPool).
 */
export class WriterPool {
  private readonly pools: Array<Pool | null>;
  private writer: number | null;
  /** The writer a failed statement made us stop sending to, until the probe decides (maybe on it again). */
  private suspended: number | null = null;
  private choosing: Promise<number> | null = null;
  private noWriterUntil = 0;
  private noWriterError: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly retiring = new Set<Pool>();
  /** Which node each handed-out connection is on: a session id means nothing on another server. */
  private readonly origins = new WeakMap<PoolConnection, number>();
  private closed = false;

  constructor(private readonly options: WriterPoolOptions) {
    if (options.urls.length === 0) throw new Error("WriterPool needs at least one database URL");
    this.pools = options.urls.map(() => null);
    this.writer = options.cluster ? null : 0;
  }

  /** Chooses the first writer and, in cluster mode, starts watching the nodes. */
  async start(): Promise<void> {
    if (!this.options.cluster) return;
    await this.currentWriter();
    const interval = this.options.checkIntervalMs ?? 1_000;
    this.timer = setInterval(() => void this.check().catch(() => undefined), interval);
    this.timer.unref();
  }

  /** The URL writes go to now (null while none can be chosen), e.g. for CREATE DATABASE at start-up. */
  get writerUrl(): string | null {
    return this.writer === null ? null : (this.options.urls[this.writer] ?? null);
  }

  async getConnection(): Promise<PoolConnection> {
    const index = await this.currentWriter();
    try {
      const connection = await this.poolOf(index).getConnection();
      this.origins.set(connection, index);
      return connection;
    } catch (error) {
      this.noteFailure(index, error);
      throw error;
    }
  }

  // Either of mysql2's two forms, so code written for its pool takes this one.
  query<T extends QueryResult>(sql: string | QueryOptions, values?: QueryValues): Promise<[T, FieldPacket[]]> {
    return this.send(sql, (pool) =>
      typeof sql === "string" ? pool.query<T>(sql, values) : pool.query<T>(sql, values),
    );
  }

  execute<T extends QueryResult>(sql: string | QueryOptions, values?: ExecuteValues): Promise<[T, FieldPacket[]]> {
    return this.send(sql, (pool) =>
      typeof sql === "string" ? pool.execute<T>(sql, values) : pool.execute<T>(sql, values),
    );
  }

  /**
   * One statement outside a transaction, on the writer. A read whose node failed under it is sent
   * again, once, to the writer chosen next: it changes nothing, so sending it twice is safe, and the
   * reads that follow a commit (a placed order's lines and stock, answered to its buyer) then answer
   * with what was committed instead of an error that hides it. Writes are never sent twice.
   */
  private async send<T>(sql: string | QueryOptions, run: (pool: Pool) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const index = await this.currentWriter();
      try {
        return await run(this.poolOf(index));
      } catch (error) {
        this.noteFailure(index, error);
        // Read only when it failed: the statement is not parsed on every call of the hot path.
        const resend = attempt < READ_ATTEMPTS && isNodeFailure(error) && isReadOnlyStatement(sqlText(sql));
        if (!resend) throw error;
      }
    }
  }

  /** Quotes an identifier as the driver does (no connection needed). */
  escapeId(identifier: string | string[]): string {
    return mysql.escapeId(identifier);
  }

  /**
   * A statement on a connection of this pool failed: if the node looks gone (connection lost, or
   * wsrep refusing queries outside the Primary component), probe now rather than at the next tick.
   */
  reportFailure(connection: PoolConnection, error: unknown): void {
    const index = this.origins.get(connection);
    if (index !== undefined) this.noteFailure(index, error);
  }

  /**
   * Ends the server session of `connection` (a transaction whose connection failed): on the node it
   * was opened on, since a session id names another session on another node. When that node is not
   * the writer any more and cannot be reached, there is nothing to end: a dead node commits nothing,
   * and one outside the Primary component cannot commit either.
   */
  async killSession(connection: PoolConnection, threadId: number): Promise<void> {
    const index = this.origins.get(connection) ?? 0;
    if (index === this.writer) {
      const helper = await this.poolOf(index).getConnection();
      try {
        await killThread(helper, threadId);
      } finally {
        helper.release();
      }
      return;
    }
    await killOnNode(this.urlOf(index), threadId).catch(() => undefined);
  }

  /**
   * This pool as drizzle's mysql2 driver takes it: drizzle calls getConnection, query and execute on
   * its client, which WriterPool has with the same arguments and answers; the mysql2 Pool type names
   * many more members (events, config) that nothing here reaches through drizzle.
   */
  asDriverPool(): Pool {
    return this as unknown as Pool;
  }

  async end(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const open = [...this.pools.filter((pool): pool is Pool => pool !== null), ...this.retiring];
    this.pools.fill(null);
    this.retiring.clear();
    await Promise.all(open.map((pool) => pool.end().catch(() => undefined)));
  }

  private poolOf(index: number): Pool {
    if (this.closed) throw new Error("the database pool is closed");
    let pool = this.pools[index];
    if (!pool) {
      pool = this.options.createPool(this.urlOf(index));
      this.pools[index] = pool;
    }
    return pool;
  }

  private urlOf(index: number): string {
    const url = this.options.urls[index];
    if (url === undefined) throw new Error(`no database node ${index}`);
    return url;
  }

  private currentWriter(): Promise<number> | number {
    if (this.writer !== null) return this.writer;
    if (Date.now() < this.noWriterUntil && this.noWriterError) return Promise.reject(this.noWriterError);
    this.choosing ??= this.choose().finally(() => {
      this.choosing = null;
    });
    return this.choosing;
  }

  private noteFailure(index: number, error: unknown): void {
    if (!this.options.cluster || index !== this.writer || !isNodeFailure(error)) return;
    // Stop sending to it now; the next request waits for a new choice.
    this.suspended = index;
    this.writer = null;
    void this.check().catch(() => undefined);
  }

  /** Probes every node and picks the writer; rejects (SERVICE_UNAVAILABLE) when no node may write. */
  private async choose(): Promise<number> {
    const probes = await this.probeAll();
    const chosen = chooseWriter(probes);
    if (chosen === null) {
      this.noWriterError = noWriter(this.options.urls, probes);
      this.noWriterUntil = Date.now() + NO_WRITER_BACKOFF_MS;
      this.moveTo(null, probes);
      throw this.noWriterError;
    }
    this.moveTo(chosen, probes);
    return chosen;
  }

  /** The periodic look at the nodes: leaves a writer that may no longer write, returns to an earlier node. */
  private async check(): Promise<void> {
    if (this.choosing) return;
    const probes = await this.probeAll();
    const chosen = chooseWriter(probes);
    const current = this.writer;
    const currentWritable = current !== null && writerVerdict(present(probes[current], "the writer's probe")).writable;
    if (!currentWritable) this.moveTo(chosen, probes);
    else if (shouldMoveWriter(current, chosen)) this.moveTo(chosen, probes);
  }

  private probeAll(): Promise<NodeProbe[]> {
    return Promise.all(this.options.urls.map((url) => probeNode(url)));
  }

  private moveTo(next: number | null, probes: readonly NodeProbe[]): void {
    const previous = this.writer ?? this.suspended;
    this.suspended = null;
    this.writer = next;
    if (next === previous) return;
    if (next !== null) {
      // A node that has just become the writer may still be applying the last write sets the old one
      // replicated; one causal read makes it catch up before the first request reads a balance there.
      void syncWithCluster(this.urlOf(next)).catch(() => undefined);
    }
    if (previous !== null)
      this.retire(previous, writerVerdict(present(probes[previous], "the old writer's probe")).writable);
    dbWriterChanges.inc();
    dbWriterNode.set(next ?? -1);
    this.options.onWriterChange?.({
      from: previous === null ? null : this.urlOf(previous),
      to: next === null ? null : this.urlOf(next),
      reasons: probes.map((probe, index) => {
        const verdict = writerVerdict(probe);
        return `${redact(this.urlOf(index))}: ${verdict.writable ? "writable" : verdict.reason}`;
      }),
    });
  }

  /**
   * Closes the pool of a node left behind. A healthy one (left for an earlier node) keeps its
   * connections a while for the transactions still running there; a failed one's are useless now.
   */
  private retire(index: number, healthy: boolean): void {
    const pool = this.pools[index];
    if (!pool) return;
    this.pools[index] = null;
    this.retiring.add(pool);
    const close = (): void => {
      this.retiring.delete(pool);
      void pool.end().catch(() => undefined);
    };
    if (healthy) setTimeout(close, RETIRED_POOL_GRACE_MS).unref();
    else close();
  }
}

const sqlText = (sql: string | QueryOptions): string => (typeof sql === "string" ? sql : sql.sql);

async function killThread(connection: PoolConnection, threadId: number): Promise<void> {
  try {
    await connection.query("KILL CONNECTION ?", [threadId]);
  } catch (error) {
    // Gone already: the server noticed the lost connection and ended the session.
    if (mysqlErrnoOf(error) !== MysqlErrno.UNKNOWN_THREAD) throw error;
  }
}

/** A URL for a log line: its host and port, never its password. */
function redact(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "3306"}`;
}

/** Raised while no node may write; errors.ts reads its code as "the database is unavailable". */
function noWriter(urls: readonly string[], probes: readonly NodeProbe[]): Error {
  const why = probes.map((probe, index) => {
    const verdict = writerVerdict(probe);
    return `${redact(present(urls[index], "a node's URL"))} ${verdict.writable ? "writable" : verdict.reason}`;
  });
  return Object.assign(new Error(`no database node may take writes (${why.join("; ")})`), { code: NO_WRITER_CODE });
}
