/**
 * Scenario 4, popularProducts: the top 5 of the last 3 days over 100,000 products and 1,000,000 order
 * lines, asked through GraphQL over HTTP, against its ceiling: the SQL GROUP BY over order_item for
 * the same window (the service's own SQL fallback, ranking.repository.ts soldBetween) sent straight
 * through mysql2. The service must answer at least 100x faster than that query at p50, and its p99
 * within a few milliseconds.
 *
 * The data goes straight into the scratch database (no outbox rows, so no events), and the ranking
 * gets into Redis the way production gets it back after losing it: the worker finds no build marker
 * and rebuilds from the last 7 days of orders. The rebuild's time is a figure of its own.
 *
 * Correctness: the generator knows the true top 5 (with a tie forced across the cut at 5th place,
 * broken by product id), and the GraphQL answer, from SQL before the ranking is built and from Redis
 * after, must both equal it and the SQL ground truth.
 */
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { RankingKeys, addDays, dayOf, startOfDay, windowDays } from "../../src/modules/ranking/ranking.rules.js";
import { checkInvariants } from "../../test/helpers/invariants.js";
import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop, percentile, type LoadResult } from "../harness/load.js";
import { ratio, type BenchSettings, type Measurement, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";
import { seededRandom } from "../../test/helpers/seeded-random.js";

interface Size {
  products: number;
  lines: number;
  members: number;
}
const FULL: Size = { products: 100_000, lines: 1_000_000, members: 20_000 };
const QUICK: Size = { products: 10_000, lines: 50_000, members: 2_000 };

const WINDOW_DAYS = 3;
const TOP = 5;
/** Zipf exponent of product popularity: 1 is the classic "a few best sellers, a long tail". */
const ZIPF_S = 1;
const MAX_LINES_PER_ORDER = 7;
const CANCEL_RATE = 0.02;
const STOCK = 10_000;
/** The service is a latency scenario: one client, and a crowd of them. */
const SERVICE_CONCURRENCIES = [1, 16];
/** The GROUP BY takes about a second at full size: a handful of sequential runs is enough for its p50. */
const SQL_SAMPLES = { quick: 5, full: 10 };
const INSERT_CHUNK = 5_000;
const INSERT_PARALLEL = 3;
// Same defaults as src/config/config.ts: the bench service sets neither, so the API and worker use these.
const TIME_ZONE = process.env.RANKING_TIMEZONE || "Asia/Seoul";
const REDIS_PREFIX = process.env.REDIS_PREFIX || "shop";

const QUERY = `query Popular($days: Int, $limit: Int) {
  popularProducts(days: $days, limit: $limit) { rank soldQuantity product { id name } }
}`;

/**
 * soldBetween's statement as drizzle sends it (ranking.repository.ts), written out so the ceiling pays
 * nothing but mysql2. Before the ranking is built the API answers through soldBetween itself, and that
 * answer is compared with this one, so the two cannot drift apart unnoticed.
 */
const GROUP_BY_SQL =
  "select `order_item`.`product_id`, CAST(SUM(`order_item`.`quantity`) AS SIGNED) " +
  "from `order_item` where (`order_item`.`created_at` >= ? and `order_item`.`created_at` < ? and `order_item`.`status` = ?) " +
  "group by `order_item`.`product_id` " +
  "order by CAST(SUM(`order_item`.`quantity`) AS SIGNED) desc, `order_item`.`product_id` asc limit ?";

interface Ranked {
  productId: number;
  soldQuantity: number;
}

interface PopularAnswer {
  popularProducts: Array<{ rank: number; soldQuantity: number; product: { id: string; name: string } }>;
}

/** The first ids free in each table, so the scenario can share a database that already holds rows. */
interface Bases {
  product: number;
  option: number;
  member: number;
  orders: number;
  item: number;
  payment: number;
  ledger: number;
}

/** Everything generated, as typed arrays (a million lines as objects would cost hundreds of MB). */
interface Fixture {
  size: Size;
  bases: Bases;
  orderCount: number;
  orderMember: Int32Array;
  orderTime: Float64Array;
  /** The lines of order o are firstLine[o] .. firstLine[o + 1] - 1. */
  firstLine: Int32Array;
  lineProduct: Int32Array;
  lineQuantity: Int32Array;
  lineCancelled: Uint8Array;
  lineCancelledAt: Float64Array;
  /** The true top TOP with their units, PAID lines only, ties by product id. */
  expected: Ranked[];
  /** The two products forced to tie at places TOP and TOP + 1. */
  tied: [number, number];
}

const productId = (f: Fixture, index: number): number => f.bases.product + index + 1;
const optionId = (f: Fixture, index: number): number => f.bases.option + index + 1;
const memberId = (f: Fixture, index: number): number => f.bases.member + index + 1;
const orderId = (f: Fixture, index: number): number => f.bases.orders + index + 1;
const itemId = (f: Fixture, index: number): number => f.bases.item + index + 1;
const priceOf = (index: number): number => 1_000 + ((index * 7_919) % 500) * 100;
const nameOf = (index: number): string => `Popular bench product ${index + 1}`;
const amountOf = (f: Fixture, line: number): number => priceOf(f.lineProduct[line]!) * f.lineQuantity[line]!;

/** A DATETIME(3) literal in UTC, the zone the service stores every DATETIME in. */
function sqlTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `'${iso.slice(0, 10)} ${iso.slice(11, 23)}'`;
}

/** The top `limit` of per-product units, by units descending then product index ascending. */
function topOf(sold: Int32Array, limit: number): number[] {
  const top: number[] = [];
  for (let index = 0; index < sold.length; index += 1) {
    if (sold[index]! <= 0) continue;
    const beats = (other: number) => sold[index]! > sold[other]! || (sold[index] === sold[other] && index < other);
    if (top.length === limit && !beats(top[limit - 1]!)) continue;
    let at = top.length === limit ? limit - 1 : top.length;
    while (at > 0 && beats(top[at - 1]!)) at -= 1;
    top.splice(at, 0, index);
    if (top.length > limit) top.pop();
  }
  return top;
}

async function firstFreeIds(pool: Pool): Promise<Bases> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT
    (SELECT COALESCE(MAX(id), 0) FROM product) AS product, (SELECT COALESCE(MAX(id), 0) FROM product_option) AS \`option\`,
    (SELECT COALESCE(MAX(id), 0) FROM member) AS member, (SELECT COALESCE(MAX(id), 0) FROM orders) AS orders,
    (SELECT COALESCE(MAX(id), 0) FROM order_item) AS item, (SELECT COALESCE(MAX(id), 0) FROM payment) AS payment,
    (SELECT COALESCE(MAX(id), 0) FROM point_ledger) AS ledger`);
  const row = rows[0]!;
  return {
    product: Number(row.product),
    option: Number(row.option),
    member: Number(row.member),
    orders: Number(row.orders),
    item: Number(row.item),
    payment: Number(row.payment),
    ledger: Number(row.ledger),
  };
}

/**
 * Orders of 1..7 distinct products spread evenly over the window (today and the two days before, in
 * the ranking's time zone) up to a minute ago; products drawn by Zipf popularity under a shuffled
 * order, so best sellers are not simply the first ids; mostly one unit a line; 2% of lines cancelled.
 */
function generate(size: Size, bases: Bases, windowStart: number, now: number): Fixture {
  const random = seededRandom(20_261_124);

  // Zipf: rank r (0-based) is drawn with weight 1 / (r + 1)^s, by binary search in the cumulative weights.
  const cumulative = new Float64Array(size.products);
  let total = 0;
  for (let r = 0; r < size.products; r += 1) cumulative[r] = total += 1 / (r + 1) ** ZIPF_S;
  const productOfRank = Int32Array.from({ length: size.products }, (_, i) => i);
  for (let i = size.products - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [productOfRank[i], productOfRank[j]] = [productOfRank[j]!, productOfRank[i]!];
  }
  const drawProduct = (): number => {
    const target = random() * total;
    let lo = 0;
    let hi = size.products - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return productOfRank[lo]!;
  };

  const lineCounts: number[] = [];
  for (let lines = 0; lines < size.lines;) {
    const count = Math.min(1 + Math.floor(random() * MAX_LINES_PER_ORDER), size.lines - lines);
    lineCounts.push(count);
    lines += count;
  }
  const orderCount = lineCounts.length;
  // Ids follow time, as they do when orders are placed one after another.
  const orderTime = Float64Array.from(
    { length: orderCount },
    () => windowStart + random() * (now - windowStart),
  ).sort();
  const orderMember = Int32Array.from({ length: orderCount }, () => Math.floor(random() * size.members));
  const firstLine = new Int32Array(orderCount + 1);
  const lineProduct = new Int32Array(size.lines);
  const lineQuantity = new Int32Array(size.lines);
  const lineCancelled = new Uint8Array(size.lines);
  const lineCancelledAt = new Float64Array(size.lines);
  let line = 0;
  for (let order = 0; order < orderCount; order += 1) {
    firstLine[order] = line;
    const inOrder = new Set<number>();
    for (let k = 0; k < lineCounts[order]!; k += 1) {
      // One line per product in an order; a best seller drawn twice is drawn again (a few tries).
      let product = drawProduct();
      for (let retry = 0; retry < 20 && inOrder.has(product); retry += 1) product = drawProduct();
      while (inOrder.has(product)) product = Math.floor(random() * size.products);
      inOrder.add(product);
      lineProduct[line] = product;
      lineQuantity[line] = random() < 0.8 ? 1 : 2 + Math.floor(random() * 4);
      if (random() < CANCEL_RATE) {
        lineCancelled[line] = 1;
        lineCancelledAt[line] = Math.min(now, orderTime[order]! + 60_000 + random() * 6 * 3_600_000);
      }
      line += 1;
    }
  }
  firstLine[orderCount] = line;

  // Force a tie across the cut: the (TOP + 1)th seller gets exactly the units of the TOP-th, so the
  // answer depends on the tie rule (lower product id first), which Redis's own order of equal scores
  // (ZREVRANGE: higher member first) would get wrong without the top script's correction.
  const sold = new Int32Array(size.products);
  for (let l = 0; l < size.lines; l += 1) if (!lineCancelled[l]) sold[lineProduct[l]!]! += lineQuantity[l]!;
  const before = topOf(sold, TOP + 1);
  const [atCut, next] = [before[TOP - 1]!, before[TOP]!];
  const shortBy = sold[atCut]! - sold[next]!;
  if (shortBy > 0) {
    let bumped = -1;
    for (let l = 0; l < size.lines && bumped < 0; l += 1) if (lineProduct[l] === next && !lineCancelled[l]) bumped = l;
    lineQuantity[bumped]! += shortBy;
    sold[next]! += shortBy;
  }
  const fixture: Fixture = {
    size,
    bases,
    orderCount,
    orderMember,
    orderTime,
    firstLine,
    lineProduct,
    lineQuantity,
    lineCancelled,
    lineCancelledAt,
    expected: [],
    tied: [0, 0],
  };
  fixture.expected = topOf(sold, TOP).map((index) => ({
    productId: productId(fixture, index),
    soldQuantity: sold[index]!,
  }));
  fixture.tied = [productId(fixture, atCut), productId(fixture, next)];
  return fixture;
}

/** Multi-row INSERTs of INSERT_CHUNK rows, INSERT_PARALLEL statements in flight. */
async function insertAll(pool: Pool, head: string, rows: Iterable<string>): Promise<number> {
  const source = rows[Symbol.iterator]();
  let inserted = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const chunk: string[] = [];
      for (let next = source.next(); !next.done; next = source.next()) {
        chunk.push(next.value);
        if (chunk.length === INSERT_CHUNK) break;
      }
      if (chunk.length === 0) return;
      await pool.query(`${head} VALUES ${chunk.join(",")}`);
      inserted += chunk.length;
    }
  };
  await Promise.all(Array.from({ length: INSERT_PARALLEL }, worker));
  return inserted;
}

function* range<T>(count: number, row: (index: number) => T): Generator<T> {
  for (let index = 0; index < count; index += 1) yield row(index);
}

/**
 * Writes the fixture with every invariant of test/helpers/invariants.ts holding: a CHARGE per member,
 * then a USE per order and a REFUND per cancelled line in the ledger with running balances; order
 * totals, refunds, statuses and payments that match their lines. Foreign keys stay checked.
 */
async function load(pool: Pool, f: Fixture): Promise<void> {
  const { size } = f;
  await insertAll(
    pool,
    "INSERT INTO product (id, name, price)",
    range(size.products, (i) => `(${productId(f, i)},'${nameOf(i)}',${priceOf(i)})`),
  );
  await insertAll(
    pool,
    "INSERT INTO product_option (id, product_id, name, additional_price)",
    range(size.products, (i) => `(${optionId(f, i)},${productId(f, i)},'Default',0)`),
  );
  await insertAll(
    pool,
    "INSERT INTO stock (option_id, quantity)",
    range(size.products, (i) => `(${optionId(f, i)},${STOCK})`),
  );
  await insertAll(
    pool,
    "INSERT INTO member (id, login_id, password_hash, nickname)",
    range(size.members, (i) => `(${memberId(f, i)},'popular-buyer-${memberId(f, i)}','not-a-login','Buyer ${i + 1}')`),
  );

  const orderTotal = new Float64Array(f.orderCount);
  const orderRefunded = new Float64Array(f.orderCount);
  const orderCancelledLines = new Int32Array(f.orderCount);
  const spent = new Float64Array(size.members);
  for (let o = 0; o < f.orderCount; o += 1) {
    for (let l = f.firstLine[o]!; l < f.firstLine[o + 1]!; l += 1) {
      orderTotal[o]! += amountOf(f, l);
      if (f.lineCancelled[l]) {
        orderRefunded[o]! += amountOf(f, l);
        orderCancelledLines[o]! += 1;
      }
    }
    spent[f.orderMember[o]!]! += orderTotal[o]!;
  }
  const statusOf = (o: number): string => {
    const cancelled = orderCancelledLines[o]!;
    return cancelled === 0
      ? "PAID"
      : cancelled === f.firstLine[o + 1]! - f.firstLine[o]!
        ? "CANCELLED"
        : "PARTIALLY_CANCELLED";
  };
  await insertAll(
    pool,
    "INSERT INTO orders (id, member_id, status, total_amount, refunded_amount, created_at, updated_at)",
    range(f.orderCount, (o) => {
      const at = sqlTime(f.orderTime[o]!);
      return `(${orderId(f, o)},${memberId(f, f.orderMember[o]!)},'${statusOf(o)}',${orderTotal[o]},${orderRefunded[o]},${at},${at})`;
    }),
  );
  await insertAll(
    pool,
    "INSERT INTO payment (id, order_id, member_id, method, amount, refunded_amount, created_at)",
    range(
      f.orderCount,
      (o) =>
        `(${f.bases.payment + o + 1},${orderId(f, o)},${memberId(f, f.orderMember[o]!)},'POINT',${orderTotal[o]},${orderRefunded[o]},${sqlTime(f.orderTime[o]!)})`,
    ),
  );
  const lineOrder = new Int32Array(size.lines);
  for (let o = 0; o < f.orderCount; o += 1) lineOrder.fill(o, f.firstLine[o], f.firstLine[o + 1]);
  await insertAll(
    pool,
    "INSERT INTO order_item (id, order_id, product_id, option_id, product_name, option_name, unit_price, quantity, amount, status, created_at, cancelled_at)",
    range(size.lines, (l) => {
      const product = f.lineProduct[l]!;
      const cancelled = f.lineCancelled[l] === 1;
      // created_at is the order's: the ranking counts a line on the day it was paid.
      return (
        `(${itemId(f, l)},${orderId(f, lineOrder[l]!)},${productId(f, product)},${optionId(f, product)},'${nameOf(product)}','Default',` +
        `${priceOf(product)},${f.lineQuantity[l]},${amountOf(f, l)},'${cancelled ? "CANCELLED" : "PAID"}',${sqlTime(f.orderTime[lineOrder[l]!]!)},` +
        `${cancelled ? sqlTime(f.lineCancelledAt[l]!) : "NULL"})`
      );
    }),
  );

  // Each member is charged what they will spend plus a margin, before the window; then the ledger
  // follows the orders in id order, so every balanceAfter is the running sum the checker recomputes.
  const charged = spent.map((amount) => amount + 100_000);
  const balance = Float64Array.from(charged);
  const chargedAt = sqlTime(f.orderTime[0]! - 3_600_000);
  let ledgerId = f.bases.ledger;
  function* ledger(): Generator<string> {
    for (let m = 0; m < size.members; m += 1) {
      yield `(${(ledgerId += 1)},${memberId(f, m)},'CHARGE',${charged[m]},${charged[m]},NULL,NULL,${chargedAt})`;
    }
    for (let o = 0; o < f.orderCount; o += 1) {
      const m = f.orderMember[o]!;
      balance[m]! -= orderTotal[o]!;
      yield `(${(ledgerId += 1)},${memberId(f, m)},'USE',${orderTotal[o]},${balance[m]},${orderId(f, o)},NULL,${sqlTime(f.orderTime[o]!)})`;
      for (let l = f.firstLine[o]!; l < f.firstLine[o + 1]!; l += 1) {
        if (!f.lineCancelled[l]) continue;
        balance[m]! += amountOf(f, l);
        yield `(${(ledgerId += 1)},${memberId(f, m)},'REFUND',${amountOf(f, l)},${balance[m]},${orderId(f, o)},${itemId(f, l)},${sqlTime(f.lineCancelledAt[l]!)})`;
      }
    }
  }
  // The running balances are computed as rows are generated, which insertAll does in order.
  await insertAll(
    pool,
    "INSERT INTO point_ledger (id, member_id, type, amount, balance_after, order_id, order_item_id, created_at)",
    ledger(),
  );
  await insertAll(
    pool,
    "INSERT INTO point_wallet (member_id, balance)",
    range(size.members, (m) => `(${memberId(f, m)},${balance[m]})`),
  );
}

/** The last `days` calendar days in the ranking's zone (from the first one's start to tomorrow's), as the service computes them. */
function windowStartOf(days: number, now = new Date()): { today: string; from: Date; to: Date } {
  const today = dayOf(now, TIME_ZONE);
  return {
    today,
    from: startOfDay(windowDays(today, days)[0]!, TIME_ZONE),
    to: startOfDay(addDays(today, 1), TIME_ZONE),
  };
}

async function groupBy(pool: Pool, window: { from: Date; to: Date }, limit: number): Promise<Ranked[]> {
  const [rows] = await pool.query<RowDataPacket[]>({ sql: GROUP_BY_SQL, rowsAsArray: true }, [
    window.from,
    window.to,
    "PAID",
    limit,
  ]);
  return (rows as unknown as Array<[number | string, number | string]>).map(([id, sold]) => ({
    productId: Number(id),
    soldQuantity: Number(sold),
  }));
}

async function popular(
  client: GraphqlHttp,
  days: number,
  limit: number,
): Promise<Array<Ranked & { rank: number; name: string }>> {
  const answer = await client.request<PopularAnswer>(QUERY, { days, limit });
  if (answer.errors?.length || !answer.data)
    throw new Error(`popularProducts(days: ${days}, limit: ${limit}) failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.popularProducts.map((entry) => ({
    rank: entry.rank,
    productId: Number(entry.product.id),
    soldQuantity: entry.soldQuantity,
    name: entry.product.name,
  }));
}

const show = (list: readonly Ranked[]): string =>
  list.map((entry) => `${entry.productId}:${entry.soldQuantity}`).join(" ");

/**
 * The GraphQL answer for `days` against the SQL ground truth (and, for the default window, the
 * generator's own count), with ranks 1..n and product names. A check that straddles midnight in the
 * ranking's zone compares two different windows, so it is taken again.
 */
async function checkAnswer(
  client: GraphqlHttp,
  pool: Pool,
  f: Fixture,
  days: number,
  limit: number,
  label: string,
): Promise<string[]> {
  for (let attempt = 0; ; attempt += 1) {
    const window = windowStartOf(days);
    const [answer, truth] = await Promise.all([popular(client, days, limit), groupBy(pool, window, limit)]);
    if (windowStartOf(days).today !== window.today && attempt < 2) continue;
    const violations: string[] = [];
    const got = answer.map(({ productId: id, soldQuantity }) => ({ productId: id, soldQuantity }));
    if (show(got) !== show(truth))
      violations.push(
        `${label} popularProducts(days: ${days}, limit: ${limit}) = ${show(got)}, SQL says ${show(truth)}`,
      );
    if (days === WINDOW_DAYS && limit === TOP && show(truth) !== show(f.expected)) {
      violations.push(`${label} SQL top ${TOP} = ${show(truth)}, the generator wrote ${show(f.expected)}`);
    }
    answer.forEach((entry, index) => {
      if (entry.rank !== index + 1) violations.push(`${label} entry ${index} has rank ${entry.rank}`);
      if (entry.name !== nameOf(entry.productId - f.bases.product - 1))
        violations.push(`${label} product ${entry.productId} is named ${entry.name}`);
    });
    return violations;
  }
}

/**
 * Waits for the worker's rebuild: the rebuild lock appears when it starts, the current generation's
 * build marker (holding the time it was set) when it ends. Polled from before the worker starts, since the worker begins
 * the rebuild before it says it is ready.
 */
async function watchRebuild(redisUrl: string, timeoutMs: number): Promise<{ startedAt: number; endedAt: number }> {
  const keys = new RankingKeys(REDIS_PREFIX);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let startedAt: number | null = null;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const polled = Date.now();
      const [lock, current] = await redis.mget(keys.rebuildLock(), keys.current());
      // The rebuild counts into a new generation and makes it current with its build marker set.
      const built = await redis.get(keys.inGeneration(Number(current ?? 0)).built());
      if (lock && startedAt === null) startedAt = polled;
      if (built) return { startedAt: startedAt ?? polled, endedAt: Date.parse(built) };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the ranking was not built within ${timeoutMs / 1000} s`);
  } finally {
    redis.disconnect();
  }
}

/** `count` sequential runs of the GROUP BY after one unmeasured run (cold buffer pool pages). */
async function measureGroupBy(pool: Pool, count: number): Promise<LoadResult> {
  await groupBy(pool, windowStartOf(WINDOW_DAYS), TOP);
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const sent = performance.now();
    await groupBy(pool, windowStartOf(WINDOW_DAYS), TOP);
    latencies.push(performance.now() - sent);
  }
  const durationMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    concurrency: 1,
    ops: count,
    durationMs,
    opsPerSec: (count / durationMs) * 1000,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors: {},
  };
}

export async function runPopularProducts(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  const size = settings.quick ? QUICK : FULL;
  const violations: string[] = [];
  const measurements: Measurement[] = [];
  const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

  const generated = performance.now();
  const { from, to } = windowStartOf(WINDOW_DAYS);
  const fixture = generate(size, await firstFreeIds(service.pool), from.getTime(), Date.now() - 60_000);
  const generateMs = performance.now() - generated;
  const loadStarted = performance.now();
  await load(service.pool, fixture);
  const loadMs = performance.now() - loadStarted;
  const cancelledLines = fixture.lineCancelled.reduce((sum, flag) => sum + flag, 0);
  const figures: Record<string, number | string> = {
    data: `${size.products} products, ${fixture.orderCount} orders, ${size.lines} order lines (${cancelledLines} cancelled) over the last ${WINDOW_DAYS} days in ${TIME_ZONE}, Zipf s=${ZIPF_S}, ${size.members} buyers`,
    query: `popularProducts(days: ${WINDOW_DAYS}, limit: ${TOP}) { rank soldQuantity product { id name } }`,
    "generate data (s)": round(generateMs / 1000, 2),
    "load data (s)": round(loadMs / 1000, 1),
    "load order lines/s": Math.round(size.lines / (loadMs / 1000)),
    "top 5 (product:units)": show(fixture.expected),
    "tie at the cut": `products ${fixture.tied.join(" and ")}, ${fixture.expected[TOP - 1]?.soldQuantity ?? 0} units each`,
  };

  // Proof that the fixture is what the service would have written (6 s of SQL at full size).
  const checked = performance.now();
  violations.push(...(await checkInvariants(service.pool)).slice(0, 10));
  figures["invariants check (s)"] = round((performance.now() - checked) / 1000, 1);

  const client = new GraphqlHttp(service.url);
  try {
    // The ranking as Redis has it after a loss: no build marker (a no-op on a fresh service; on one
    // whose worker already counted other orders, it makes the worker recount, as it would then).
    const keys = new RankingKeys(REDIS_PREFIX);
    const admin = new Redis(service.redis.url);
    await admin
      .get(keys.current())
      .then((current) => admin.del(keys.inGeneration(Number(current ?? 0)).built()))
      .finally(() => admin.disconnect());
    // Until the worker has built the ranking, the API answers from SQL (soldBetween): it must agree too.
    violations.push(
      ...(await checkAnswer(client, service.pool, fixture, WINDOW_DAYS, TOP, "before the rebuild (SQL fallback):")),
    );

    const watching = watchRebuild(service.redis.url, 15 * 60_000);
    const workerStarted = Date.now();
    await service.startWorker();
    const { startedAt, endedAt } = await watching;
    const rebuildMs = endedAt - startedAt;
    const events = fixture.orderCount + cancelledLines;
    figures["rebuild (s)"] = round(rebuildMs / 1000, 2);
    figures["rebuild events/s"] = Math.round(events / (rebuildMs / 1000));
    figures["rebuild order lines/s"] = Math.round(size.lines / (rebuildMs / 1000));
    figures["worker start to ranking built (s)"] = round((endedAt - workerStarted) / 1000, 2);
    const redis = new Redis(service.redis.url);
    try {
      const memory = /used_memory:(\d+)/.exec(await redis.info("memory"))?.[1];
      figures["Redis memory after rebuild (MiB)"] = round(Number(memory) / 2 ** 20, 1);
    } finally {
      redis.disconnect();
    }

    violations.push(...(await checkAnswer(client, service.pool, fixture, WINDOW_DAYS, TOP, "from Redis:")));
    // A union window (7 days) and today alone, at the largest limit, against SQL as well.
    for (const days of [1, 7])
      violations.push(...(await checkAnswer(client, service.pool, fixture, days, 20, "from Redis:")));

    const variables = { days: WINDOW_DAYS, limit: TOP };
    for (const concurrency of SERVICE_CONCURRENCIES) {
      const result = await closedLoop({
        concurrency,
        durationMs: settings.durationMs,
        warmupMs: settings.warmupMs,
        op: () => client.outcome(QUERY, variables),
        cpu: service.cpuReaders(),
      });
      measurements.push({ ...result, series: "service" });
      if (Object.keys(result.errors).length > 0)
        violations.push(`service at concurrency ${concurrency} failed: ${JSON.stringify(result.errors)}`);
    }
    measurements.push({
      ...(await measureGroupBy(service.pool, settings.quick ? SQL_SAMPLES.quick : SQL_SAMPLES.full)),
      series: "sql-group-by",
    });

    const [plan] = await service.pool.query<RowDataPacket[]>(`EXPLAIN ${GROUP_BY_SQL}`, [from, to, "PAID", TOP]);
    figures["sql plan"] = plan
      .map((row) => `key=${String(row.key)} rows=${String(row.rows)} ${String(row.Extra)}`)
      .join("; ");
  } finally {
    client.close();
  }

  const serviceAt1 = measurements.find((m) => m.series === "service" && m.concurrency === 1);
  const sql = measurements.find((m) => m.series === "sql-group-by");
  const ratios =
    serviceAt1 && sql ? [ratio("SQL GROUP BY p50 / popularProducts p50", 1, sql.p50Ms / serviceAt1.p50Ms, 100)] : [];
  for (const m of measurements.filter((m) => m.series === "service"))
    figures[`service p99 at concurrency ${m.concurrency} (ms)`] = round(m.p99Ms, 2);
  return { name: "popular-products", title: "Popular products", measurements, ratios, figures, violations };
}
