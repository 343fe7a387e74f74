import net from "node:net";

/** What the proxy does with one query a client sends. */
export type QueryAction =
  /** Pass it on. */
  | "forward"
  /** Pass it on, then cut the client's connection: the server runs it, the client never hears back. */
  | "cut-after"
  /** Cut the connection without passing it on: the server never sees it. */
  | "cut-before"
  /** Pass it on, and stop passing anything between the two ends: a half-open connection. */
  | "stall-after";

/** One client connection through the proxy. */
export interface ProxiedConnection {
  /** 1, 2, ... in the order the proxy accepted them. */
  readonly id: number;
}

export interface FaultRules {
  /**
   * Called with the text of each query (COM_QUERY) the client sends, in order, before it is passed
   * on; it may take its time (the query is held meanwhile: a delay) and run statements of its own.
   */
  onQuery?(sql: string, connection: ProxiedConnection): QueryAction | Promise<QueryAction>;
}

const COM_QUERY = 0x03;
const HEADER = 4;

/**
 * A TCP proxy for the MySQL protocol between the service and MariaDB (node `net`), for fault tests:
 * it reads the client's packets, and lets a test drop, delay or cut a connection at a chosen query
 * (say, right after a COMMIT is passed on, so the server commits and the client never learns it).
 * The server's answers are passed through untouched.
 *
 * Only command packets are looked at: a packet with sequence id 0 starts a command; the handshake's
 * packets (sequence 1 and up) are passed on as they come.
 */
export class FaultProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;
  /** What the proxy did: connections accepted, queries seen, connections cut or stalled. */
  readonly stats = { connections: 0, queries: 0, cut: 0, stalled: 0 };
  rules: FaultRules;

  private constructor(
    private readonly target: { host: string; port: number },
    rules: FaultRules,
  ) {
    this.rules = rules;
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }, rules: FaultRules = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(target, rules);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** A mysql:// URL to `database` through the proxy (root, empty password, as the tests use). */
  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const connection: ProxiedConnection = { id: (this.connections += 1) };
    this.stats.connections += 1;
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => undefined); // a cut connection errors on the other side: expected
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());

    let stalled = false;
    upstream.on("data", (chunk: Buffer) => {
      if (!stalled) client.write(chunk);
    });

    // Client packets go through one at a time, in order, each after its rule has decided.
    let pending = Buffer.alloc(0);
    let queue = Promise.resolve();
    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const packets: Buffer[] = [];
      while (pending.length >= HEADER) {
        const length = pending.readUIntLE(0, 3);
        if (pending.length < HEADER + length) break;
        packets.push(pending.subarray(0, HEADER + length));
        pending = pending.subarray(HEADER + length);
      }
      for (const packet of packets) {
        queue = queue.then(async () => {
          if (stalled || client.destroyed) return;
          const isQuery = packet[3] === 0 && packet[HEADER] === COM_QUERY;
          if (!isQuery) {
            upstream.write(packet);
            return;
          }
          this.stats.queries += 1;
          const action =
            (await this.rules.onQuery?.(packet.subarray(HEADER + 1).toString("utf8"), connection)) ?? "forward";
          if (action === "cut-before") {
            this.stats.cut += 1;
            cut();
            return;
          }
          upstream.write(packet);
          if (action === "cut-after") {
            this.stats.cut += 1;
            // The query reaches the server's socket before the FIN does, so the server runs it.
            upstream.end();
            client.destroy();
          } else if (action === "stall-after") {
            this.stats.stalled += 1;
            stalled = true;
          }
        });
      }
    });
  }
}
