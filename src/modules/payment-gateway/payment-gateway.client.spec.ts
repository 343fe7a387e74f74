import { once } from "node:events";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { inspect } from "node:util";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { PaymentGatewayClient, type PaymentGatewayClientOptions } from "./payment-gateway.client.js";
import { MALFORMED_ANSWER, type PgAnswer } from "./payment-gateway.rules.js";
import { rejectionOf } from "../../../test/helpers/thrown.js";

const SECRET_KEY = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R";
const AUTHORIZATION = `Basic ${Buffer.from(`${SECRET_KEY}:`).toString("base64")}`;

const tossPayment = (overrides: Record<string, unknown> = {}) => ({
  mId: "tosspayments",
  paymentKey: "pk_1",
  orderId: "order-1",
  orderName: "2 items",
  status: "DONE",
  requestedAt: "2025-03-01T09:30:00+09:00",
  approvedAt: "2025-03-01T09:30:05+09:00",
  totalAmount: 15_000,
  balanceAmount: 15_000,
  method: "카드",
  cancels: null,
  ...overrides,
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestPg {
  url: string;
  /** Every request, whole, in the order it came. */
  seen: Seen[];
  connections(): number;
  close(): Promise<void>;
}

const running: Array<{ close(): unknown }> = [];

afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.close();
});

/** A real HTTP server on a free port that hands each whole request to `answer`. */
async function testPg(answer: (seen: Seen, res: http.ServerResponse) => void): Promise<TestPg> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(request);
      answer(request, res);
    });
  });
  server.on("connection", () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const pg = {
    url: `http://127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  running.push(pg);
  return pg;
}

const json = (status: number, body: unknown) => (_: Seen, res: http.ServerResponse) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

function clientOf(url: string, options: Partial<PaymentGatewayClientOptions> = {}): PaymentGatewayClient {
  const client = new PaymentGatewayClient({
    baseUrl: url,
    secretKey: SECRET_KEY,
    connectTimeoutMs: 2_000,
    readTimeoutMs: 2_000,
    ...options,
  });
  running.push(client);
  return client;
}

/**
 * A port whose connections are never accepted: the listening socket belongs to a worker thread
 * blocked in Atomics.wait, so its event loop never calls accept(). The kernel completes a
 * handshake into the accept queue until that is full (backlog 1), then drops every SYN unanswered;
 * the connections opened here fill it, so the next connect hangs until its caller gives up. No
 * network is needed, unlike an unroutable address, which fails at once on a machine without routes.
 */
async function unacceptingPort(): Promise<number> {
  const lock = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const server = require("node:net").createServer();
     server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
     });`,
    { eval: true, workerData: lock },
  );
  const [port] = (await once(worker, "message")) as [number];
  const fillers: net.Socket[] = [];
  running.push({
    close: async () => {
      fillers.forEach((socket) => socket.destroy());
      Atomics.store(lock, 0, 1);
      Atomics.notify(lock, 0);
      await worker.terminate();
    },
  });
  // Until one connect is left hanging: how many the queue holds beyond the backlog is the kernel's say.
  for (let attempt = 0; attempt < 16; attempt += 1) {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    fillers.push(socket);
    const connected = await Promise.race([
      once(socket, "connect").then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500)),
    ]);
    if (!connected) return port;
  }
  throw new Error("the accept queue never filled up");
}

/** A port nothing listens on: one just freed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectNoSecret(answer: PgAnswer): void {
  const text = JSON.stringify(answer);
  expect(text).not.toContain(SECRET_KEY);
  expect(text).not.toContain(AUTHORIZATION.slice("Basic ".length));
}

describe(PaymentGatewayClient.name, () => {
  describe("requests", () => {
    it("confirms with a JSON body, Basic authorization and the Idempotency-Key", async () => {
      const pg = await testPg(json(200, tossPayment()));
      const answer = await clientOf(pg.url).confirm(
        { paymentKey: "pk_1", orderId: "order-1", amount: 15_000 },
        "confirm-42",
      );

      expect(answer).toMatchObject({ kind: "answered", status: 200, payment: { paymentKey: "pk_1", status: "DONE" } });
      expect(pg.seen).toHaveLength(1);
      const [request] = pg.seen;
      expect(request).toMatchObject({ method: "POST", url: "/v1/payments/confirm" });
      expect(request!.headers).toMatchObject({
        authorization: AUTHORIZATION,
        "content-type": "application/json",
        "idempotency-key": "confirm-42",
      });
      expect(JSON.parse(request!.body)).toEqual({ paymentKey: "pk_1", orderId: "order-1", amount: 15_000 });
    });

    it("cancels at the payment's path, encoded, with the reason and the amount", async () => {
      const pg = await testPg(json(200, tossPayment({ status: "PARTIAL_CANCELED", balanceAmount: 10_000 })));
      const client = clientOf(pg.url);
      await client.cancel("pk/1 ..?#", { cancelReason: "고객 변심", cancelAmount: 5_000 }, "cancel-7");
      await client.cancel("..", { cancelReason: "all of it" }, "cancel-8");

      expect(pg.seen.map(({ method, url }) => `${method} ${url}`)).toEqual([
        "POST /v1/payments/pk%2F1%20%2E%2E%3F%23/cancel",
        "POST /v1/payments/%2E%2E/cancel",
      ]);
      expect(pg.seen.map(({ body }) => JSON.parse(body) as unknown)).toEqual([
        { cancelReason: "고객 변심", cancelAmount: 5_000 },
        { cancelReason: "all of it" },
      ]);
      expect(pg.seen.map(({ headers }) => headers["idempotency-key"])).toEqual(["cancel-7", "cancel-8"]);
      expect(pg.seen.every(({ headers }) => headers.authorization === AUTHORIZATION)).toBe(true);
    });

    it("reads a payment by its key and by its order, without a body or an Idempotency-Key", async () => {
      const pg = await testPg(json(200, tossPayment()));
      const client = clientOf(pg.url);
      await client.payment("pk 1");
      await client.paymentOfOrder("order/1");

      expect(pg.seen.map(({ method, url }) => `${method} ${url}`)).toEqual([
        "GET /v1/payments/pk%201",
        "GET /v1/payments/orders/order%2F1",
      ]);
      for (const { headers, body } of pg.seen) {
        expect(headers).toMatchObject({ authorization: AUTHORIZATION, "content-type": "application/json" });
        expect(headers["idempotency-key"]).toBeUndefined();
        expect(body).toBe("");
      }
    });

    it("keeps the base URL's path in front of /v1", async () => {
      const pg = await testPg(json(200, tossPayment()));
      await clientOf(`${pg.url}/pg/`).payment("pk_1");
      await clientOf(`${pg.url}/pg`).payment("pk_1");
      expect(pg.seen.map(({ url }) => url)).toEqual(["/pg/v1/payments/pk_1", "/pg/v1/payments/pk_1"]);
    });

    it("sends one request after another over one kept-alive connection", async () => {
      const pg = await testPg(json(200, tossPayment()));
      const client = clientOf(pg.url);
      for (let i = 0; i < 3; i += 1) {
        expect(await client.payment("pk_1")).toMatchObject({ kind: "answered", status: 200 });
      }
      expect(pg.connections()).toBe(1);
    });
  });

  describe("answers", () => {
    it("hands back the PG's refusal as it came", async () => {
      const pg = await testPg(json(403, { code: "REJECT_CARD_PAYMENT", message: "한도초과 혹은 잔액부족" }));
      const answer = await clientOf(pg.url).confirm({ paymentKey: "pk_1", orderId: "order-1", amount: 1 }, "k");
      expect(answer).toEqual({
        kind: "answered",
        status: 403,
        payment: null,
        error: { status: 403, code: "REJECT_CARD_PAYMENT", message: "한도초과 혹은 잔액부족" },
      });
    });

    it("hands back a 5xx with its error", async () => {
      const pg = await testPg(json(500, { code: "FAILED_INTERNAL_SYSTEM_PROCESSING", message: "retry" }));
      expect(await clientOf(pg.url).payment("pk_1")).toMatchObject({
        kind: "answered",
        status: 500,
        payment: null,
        error: { code: "FAILED_INTERNAL_SYSTEM_PROCESSING" },
      });
    });

    it("calls a 200 whose body is not a Payment malformed", async () => {
      const pg = await testPg((_, res) => res.end('{"paymentKey":"pk_1","status":"DONE"}'));
      const answer = await clientOf(pg.url).payment("pk_1");
      expect(answer).toMatchObject({ kind: "answered", status: 200, payment: null, error: { code: MALFORMED_ANSWER } });
    });

    it("calls a 502 page from a proxy malformed", async () => {
      const pg = await testPg((_, res) => {
        res.writeHead(502, { "Content-Type": "text/html" });
        res.end("<html>Bad Gateway</html>");
      });
      expect(await clientOf(pg.url).payment("pk_1")).toMatchObject({
        kind: "answered",
        status: 502,
        error: { status: 502, code: MALFORMED_ANSWER },
      });
    });

    it("stops reading an answer over a megabyte and calls it malformed", async () => {
      const pg = await testPg((_, res) => {
        res.writeHead(200);
        res.end("x".repeat(1024 * 1024 + 1));
      });
      const answer = await clientOf(pg.url).payment("pk_1");
      expect(answer).toMatchObject({ kind: "answered", status: 200, payment: null, error: { code: MALFORMED_ANSWER } });
      expect(answer.kind === "answered" && answer.error?.message).toContain("over 1048576 bytes");
    });
  });

  describe("no answer", () => {
    it("is a read timeout when the PG takes the request and never answers", async () => {
      const pg = await testPg(() => undefined);
      const answer = await clientOf(pg.url, { readTimeoutMs: 200 }).confirm(
        { paymentKey: "pk_1", orderId: "order-1", amount: 15_000 },
        "confirm-42",
      );
      expect(answer).toEqual({
        kind: "no-answer",
        reason: "read-timeout",
        detail: "no whole answer within 200 ms of sending the request",
      });
      expect(pg.seen).toHaveLength(1); // it did reach the PG: the confirm may have been done there
    });

    it("is a read timeout when the answer stalls after its headers", async () => {
      const pg = await testPg((_, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write('{"paymentKey":'); // and never the rest
      });
      expect(await clientOf(pg.url, { readTimeoutMs: 200 }).payment("pk_1")).toMatchObject({
        kind: "no-answer",
        reason: "read-timeout",
      });
    });

    it("is a read timeout on a kept-alive connection too", async () => {
      let first = true;
      const pg = await testPg((seen, res) => {
        if (first) json(200, tossPayment())(seen, res);
        first = false;
      });
      const client = clientOf(pg.url, { readTimeoutMs: 200 });
      expect(await client.payment("pk_1")).toMatchObject({ kind: "answered" });
      expect(await client.payment("pk_1")).toMatchObject({ kind: "no-answer", reason: "read-timeout" });
      expect(pg.connections()).toBe(1);
    });

    it("is a connect timeout when no connection is made: the request was not sent", async () => {
      const port = await unacceptingPort();
      const answer = await clientOf(`http://127.0.0.1:${port}`, { connectTimeoutMs: 200 }).confirm(
        { paymentKey: "pk_1", orderId: "order-1", amount: 15_000 },
        "confirm-42",
      );
      expect(answer).toEqual({
        kind: "no-answer",
        reason: "connect-timeout",
        detail: "no connection within 200 ms: the request was not sent",
      });
    });

    it("is a connect timeout while a TLS handshake is not done: not a byte of the request has left", async () => {
      const silent = net.createServer((socket) => socket.resume()); // takes the ClientHello, never answers it
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const sockets = new Set<net.Socket>();
      silent.on("connection", (socket) => sockets.add(socket));
      running.push({
        close: () => {
          sockets.forEach((socket) => socket.destroy());
          return new Promise<void>((resolve) => silent.close(() => resolve()));
        },
      });
      const { port } = silent.address() as AddressInfo;
      expect(await clientOf(`https://127.0.0.1:${port}`, { connectTimeoutMs: 200 }).payment("pk_1")).toMatchObject({
        kind: "no-answer",
        reason: "connect-timeout",
      });
      expect(sockets.size).toBe(1); // the TCP connection was made: only the handshake was missing
    });

    it("is a network failure before any connection when nothing listens", async () => {
      const port = await closedPort();
      const answer = await clientOf(`http://127.0.0.1:${port}`).payment("pk_1");
      expect(answer).toMatchObject({ kind: "no-answer", reason: "network" });
      expect(answer.kind === "no-answer" && answer.detail).toMatch(/ECONNREFUSED.*before a connection was made/);
      expectNoSecret(answer);
    });

    it("is a network failure after sending when the PG drops the connection on the request", async () => {
      const pg = await testPg((_, res) => res.socket?.destroy());
      const answer = await clientOf(pg.url).confirm(
        { paymentKey: "pk_1", orderId: "order-1", amount: 15_000 },
        "confirm-42",
      );
      expect(answer).toMatchObject({ kind: "no-answer", reason: "network" });
      expect(answer.kind === "no-answer" && answer.detail).toContain("after the request was sent");
      expect(pg.seen).toHaveLength(1);
      expectNoSecret(answer);
    });

    it("is a network failure when the connection drops in the middle of the answer", async () => {
      const pg = await testPg((_, res) => {
        res.writeHead(200, { "Content-Length": "500" });
        res.write('{"paymentKey":"pk_1"', () => res.destroy());
      });
      const answer = await clientOf(pg.url).payment("pk_1");
      expect(answer).toMatchObject({ kind: "no-answer", reason: "network" });
      expect(answer.kind === "no-answer" && answer.detail).toContain("200 answer");
    });

    it("ends a request still running as a network failure on close()", async () => {
      const pg = await testPg(() => undefined);
      const client = clientOf(pg.url);
      const pending = client.payment("pk_1");
      await expect.poll(() => pg.seen.length).toBe(1);
      client.close();
      expect(await pending).toMatchObject({ kind: "no-answer", reason: "network" });
    });
  });

  describe("programming errors", () => {
    it("refuses settings that could never work, without quoting the secret key", () => {
      const valid = { baseUrl: "http://127.0.0.1:4200", secretKey: SECRET_KEY, connectTimeoutMs: 1, readTimeoutMs: 1 };
      expect(() => new PaymentGatewayClient({ ...valid, baseUrl: "not a url" })).toThrow();
      expect(() => new PaymentGatewayClient({ ...valid, baseUrl: "ftp://127.0.0.1" })).toThrow(/http or https/);
      expect(() => new PaymentGatewayClient({ ...valid, baseUrl: "http://u:p@127.0.0.1" })).toThrow(/credentials/);
      expect(() => new PaymentGatewayClient({ ...valid, baseUrl: "http://127.0.0.1/?a=1" })).toThrow(/query/);
      expect(() => new PaymentGatewayClient({ ...valid, baseUrl: "http://127.0.0.1/#a" })).toThrow(/fragment/);
      for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
        expect(() => new PaymentGatewayClient({ ...valid, connectTimeoutMs: bad })).toThrow(/connectTimeoutMs/);
        expect(() => new PaymentGatewayClient({ ...valid, readTimeoutMs: bad })).toThrow(/readTimeoutMs/);
      }
      expect(() => new PaymentGatewayClient({ ...valid, secretKey: "" })).toThrow(/secret key/);
      let message = "";
      try {
        new PaymentGatewayClient({ ...valid, secretKey: "live_sk_a:b" });
      } catch (error) {
        message = String(error);
      }
      expect(message).toMatch(/without ':'/);
      expect(message).not.toContain("live_sk_a");
    });

    it("does not show the secret key when it is logged", () => {
      const shown = inspect(clientOf("http://127.0.0.1:4200"), { depth: 5, showHidden: true });
      expect(shown).not.toContain(SECRET_KEY);
      expect(shown).not.toContain(AUTHORIZATION.slice("Basic ".length));
    });

    it.each([
      ["an empty paymentKey", (c: PaymentGatewayClient) => c.confirm({ paymentKey: "", orderId: "o", amount: 1 }, "k")],
      ["an empty orderId", (c: PaymentGatewayClient) => c.confirm({ paymentKey: "p", orderId: "", amount: 1 }, "k")],
      ["an amount of 0", (c: PaymentGatewayClient) => c.confirm({ paymentKey: "p", orderId: "o", amount: 0 }, "k")],
      [
        "a fractional amount",
        (c: PaymentGatewayClient) => c.confirm({ paymentKey: "p", orderId: "o", amount: 1.5 }, "k"),
      ],
      ["an empty key", (c: PaymentGatewayClient) => c.confirm({ paymentKey: "p", orderId: "o", amount: 1 }, "")],
      ["a key with a space", (c: PaymentGatewayClient) => c.cancel("p", { cancelReason: "r" }, "a b")],
      ["a key of 301 characters", (c: PaymentGatewayClient) => c.cancel("p", { cancelReason: "r" }, "k".repeat(301))],
      ["an empty reason", (c: PaymentGatewayClient) => c.cancel("p", { cancelReason: "" }, "k")],
      ["a cancel of 0", (c: PaymentGatewayClient) => c.cancel("p", { cancelReason: "r", cancelAmount: 0 }, "k")],
      ["an empty paymentKey to read", (c: PaymentGatewayClient) => c.payment("")],
      ["an empty orderId to read", (c: PaymentGatewayClient) => c.paymentOfOrder("")],
    ])("rejects %s without sending anything", async (_, call) => {
      const pg = await testPg(json(200, tossPayment()));
      expect(await rejectionOf(call(clientOf(pg.url)))).toBeInstanceOf(RangeError);
      expect(pg.seen).toEqual([]);
    });
  });
});
