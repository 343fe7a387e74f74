import net from "node:net";

/** What the proxy does with one query a client sends. */
export type QueryAction =
  /** Pass it on. */
  | "forward"
  /**
   * Pass it on, let the server answer it in full, and cut the client's connection instead of passing
   * the answer on: the server has run it (a COMMIT has committed), the client never hears back.
   */
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
const OK_PACKET = 0x00;
const ERR_PACKET = 0xff;
/** Status flag of an OK packet: another statement of the same query answers next. */
const SERVER_MORE_RESULTS_EXISTS = 0x0008;

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
    // After a cut-after: the server's answer so far, held back until it is complete.
    let heldAnswer: Buffer | null = null;
    upstream.on("data", (chunk: Buffer) => {
      if (stalled) return;
      if (heldAnswer === null) {
        client.write(chunk);
        return;
      }
      heldAnswer = Buffer.concat([heldAnswer, chunk]);
      if (answerComplete(heldAnswer)) client.destroy();
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
            // Cutting at once would race the server: one that meets the closed socket while answering
            // the first statement of a batch runs none of the rest (its COMMIT included).
            heldAnswer = Buffer.alloc(0);
          } else if (action === "stall-after") {
            this.stats.stalled += 1;
            stalled = true;
          }
        });
      }
    });
  }
}

/**
 * Whether `answer` (the server's packets for one query) is complete: it holds an ERR packet, or an OK
 * packet without SERVER_MORE_RESULTS_EXISTS (a multi-statement batch answers one OK per statement).
 * The queries this proxy cuts after (INSERT, UPDATE, COMMIT) answer with OK or ERR packets only.
 */
function answerComplete(answer: Buffer): boolean {
  for (let at = 0; at + HEADER <= answer.length;) {
    const length = answer.readUIntLE(at, 3);
    if (at + HEADER + length > answer.length) return false;
    const payload = answer.subarray(at + HEADER, at + HEADER + length);
    if (payload[0] === ERR_PACKET) return true;
    if (payload[0] === OK_PACKET) {
      let offset = 1;
      offset += lengthEncodedSize(payload, offset); // affected rows
      offset += lengthEncodedSize(payload, offset); // last insert id
      if ((payload.readUInt16LE(offset) & SERVER_MORE_RESULTS_EXISTS) === 0) return true;
    }
    at += HEADER + length;
  }
  return false;
}

/** Bytes taken by a length-encoded integer of the MySQL protocol starting at `offset`. */
function lengthEncodedSize(payload: Buffer, offset: number): number {
  const first = payload[offset] ?? 0;
  if (first < 0xfb) return 1;
  if (first === 0xfc) return 3;
  if (first === 0xfd) return 4;
  return 9;
}
