/**
 * The products page's ceiling: a bare `node:http` server answering the products page's JSON with the
 * very statements the service sends (copied from what drizzle logs for listProducts and
 * findOptionViewsByProductIds), through its own mysql2 pool. No Express, no GraphQL, no ORM.
 *
 * It runs in a worker thread of the bench process: its own event loop, as the API has its own
 * process, so the load generator's work on the main thread is not charged to the ceiling.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import mysql from "mysql2/promise";

export interface CeilingOptions {
  databaseUrl: string;
  poolSize: number;
}

/** The worker's first message: where it listens. */
export interface CeilingReady {
  port: number;
}

// Same text as drizzle's, so MariaDB does the same work (parse, plan, rows) for both servers.
const PAGE_SQL =
  "select `id`, `name`, `price`, `deleted_at` from `product` where `product`.`deleted_at` is null order by `product`.`id` desc limit ?";
// `in (?)` with the page's ids as one array value, as the service sends it: mysql2 expands it to `1, 2, 3`.
const OPTIONS_SQL =
  "select `product_option`.`id`, `product_option`.`product_id`, `product`.`name`, `product_option`.`name`, " +
  "`product_option`.`additional_price`, `product`.`price`, `stock`.`quantity` from `product_option` " +
  "inner join `product` on `product`.`id` = `product_option`.`product_id` " +
  "inner join `stock` on `stock`.`option_id` = `product_option`.`id` " +
  "where `product_option`.`product_id` in (?) order by `product_option`.`product_id` asc, `product_option`.`id` asc";

type PageRow = [id: number, name: string, price: number, deletedAt: string | null];
type OptionRow = [
  id: number,
  productId: number,
  productName: string,
  name: string,
  additionalPrice: number,
  productPrice: number,
  stock: number,
];

interface OptionJson {
  name: string;
  price: number;
  stock: number;
}

async function productsPage(pool: mysql.Pool, first: number): Promise<unknown> {
  // Rows as arrays, as drizzle reads them: the options statement selects two columns called `name`.
  const [pageRows] = await pool.query<mysql.RowDataPacket[]>({ sql: PAGE_SQL, rowsAsArray: true }, [first + 1]);
  const page = (pageRows as unknown as PageRow[]).slice(0, first);
  if (page.length === 0) return { data: { products: { nodes: [] } } };
  const ids = page.map((row) => row[0]);
  const [optionRows] = await pool.query<mysql.RowDataPacket[]>({ sql: OPTIONS_SQL, rowsAsArray: true }, [ids]);
  const byProduct = new Map<number, OptionJson[]>(ids.map((id) => [id, []]));
  for (const [, productId, , name, additionalPrice, productPrice, stock] of optionRows as unknown as OptionRow[]) {
    byProduct.get(productId)?.push({ name, price: productPrice + additionalPrice, stock });
  }
  const nodes = page.map(([id, name, price]) => {
    const options = byProduct.get(id)!;
    return { name, price, stock: options.reduce((sum, option) => sum + option.stock, 0), options };
  });
  return { data: { products: { nodes } } };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) }).end(json);
}

async function serve({ databaseUrl, poolSize }: CeilingOptions): Promise<void> {
  const pool = mysql.createPool({
    uri: databaseUrl,
    connectionLimit: poolSize,
    timezone: "Z",
    supportBigNumbers: true,
  });
  const server = http.createServer((req, res) => {
    // It parses the body as a GraphQL server must, but answers one page whatever the document says.
    readBody(req)
      .then(async (body) => {
        const first = (JSON.parse(body) as { variables?: { first?: unknown } }).variables?.first ?? 20;
        if (typeof first !== "number" || !Number.isInteger(first) || first < 1 || first > 100) {
          send(res, 200, {
            errors: [{ message: "first must be between 1 and 100", extensions: { code: "BAD_USER_INPUT" } }],
          });
          return;
        }
        send(res, 200, await productsPage(pool, first));
      })
      .catch((error: unknown) =>
        send(res, 500, { errors: [{ message: String(error), extensions: { code: "INTERNAL_SERVER_ERROR" } }] }),
      );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  parentPort!.on("message", (message: unknown) => {
    if (message !== "stop") return;
    server.closeAllConnections();
    server.close(() => void pool.end().then(() => process.exit(0)));
  });
  parentPort!.postMessage({ port: (server.address() as AddressInfo).port } satisfies CeilingReady);
}

if (parentPort) await serve(workerData as CeilingOptions);
