import http from "node:http";
import { performance } from "node:perf_hooks";
import type { RowDataPacket } from "mysql2/promise";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { checkInvariants, stockBaseline } from "../../test/helpers/invariants.js";
import { checkPaymentInvariants } from "../../test/helpers/payment-invariants.js";
import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop, percentile, type Outcome } from "../harness/load.js";
import { ratio, type BenchSettings, type Measurement, type ScenarioResult } from "../harness/scenario.js";
import type { BenchPg, BenchService } from "../harness/service.js";
import { PLACE_ORDER } from "./flash-sale.js";
import { createBuyers, createProducts } from "./order-fixtures.js";

const START_CHECKOUT = `mutation StartCheckout($input: StartCheckoutInput!) {
  startCheckout(input: $input) { id pgOrderId orderName amount status expiresAt }
}`;
const CONFIRM_PAYMENT = `mutation ConfirmPayment($paymentKey: String!, $pgOrderId: String!, $amount: SafeInt!) {
  confirmPayment(paymentKey: $paymentKey, pgOrderId: $pgOrderId, amount: $amount) { id status order { id } }
}`;

interface StartedCheckout {
  id: string;
  pgOrderId: string;
  orderName: string;
  amount: number;
  status: string;
}

interface ConfirmedCheckout {
  id: string;
  status: string;
  order: { id: string } | null;
}

const BUYERS = 64;
// Funded for the ceiling (placeOrder pays from points); the checkouts pay by card alone.
const AMPLE_POINTS = 1_000_000_000_000;
const LARGE_STOCK = 50_000_000;
/** Shortest warm-up and measured window of each loop (quick mode's are 0.3 s and 1 s). */
const MIN_WINDOW_MS = 2_000;

/** One journey that ended PAID, its steps timed by the buyer (performance.now(), ms). */
interface Journey {
  answered: number;
  checkoutId: number;
  startMs: number;
  windowMs: number;
  confirmMs: number;
  /** From startCheckout's answer (the units taken) to confirmPayment's (the units sold). */
  reservedMs: number;
}

/**
 * The PG's payment window as the buyer's browser submits it: POST /pay with the form, the 303 to the
 * successUrl not followed, its paymentKey read from the Location. A keep-alive agent of its own, no
 * fetch(), for the reason GraphqlHttp gives.
 */
class PgWindow {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly endpoint: URL;

  constructor(private readonly pg: BenchPg) {
    this.endpoint = new URL("/pay", pg.url);
  }

  /** The paymentKey, or why the window did not approve (an outcome code). */
  pay(checkout: StartedCheckout): Promise<{ paymentKey: string } | { failure: string }> {
    const body = new URLSearchParams({
      clientKey: this.pg.clientKey,
      orderId: checkout.pgOrderId,
      orderName: checkout.orderName,
      amount: String(checkout.amount),
      successUrl: "http://shop.bench/checkout/success",
      failUrl: "http://shop.bench/checkout/fail",
      action: "pay",
    }).toString();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.endpoint.hostname,
          port: this.endpoint.port,
          path: this.endpoint.pathname,
          method: "POST",
          agent: this.agent,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume(); // the page's body is not read: the redirect is the answer
          res.on("end", () => {
            const location = res.headers.location;
            const paymentKey = location ? new URL(location).searchParams.get("paymentKey") : null;
            if (res.statusCode === 303 && paymentKey) resolve({ paymentKey });
            else
              resolve({
                failure: location
                  ? `PG_WINDOW_${new URL(location).searchParams.get("code") ?? "NO_KEY"}`
                  : `PG_WINDOW_HTTP_${res.statusCode}`,
              });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const errorCodeOf = (answer: { errors?: Array<{ extensions?: { code?: string } }> }): string =>
  answer.errors?.[0]?.extensions?.code ?? "NO_CODE";

/** p50, p99 and max of `values` (unsorted), in ms. */
function spread(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 };
}

/**
 * Scenario 7: card checkout of 1 unit of one product by 64 buyers. Each buyer repeats the journey a
 * storefront drives: startCheckout (the unit reserved), the PG's payment window over HTTP, then
 * confirmPayment (the API confirms at the PG, then turns the reservation into the order). The fake PG
 * runs as a process of its own. The ceiling is the same sale in one step, placeOrder paid from points
 * by the same buyers on the same product: the ratio is what the two-step card journey costs.
 */
export async function runCheckout(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  const pg = service.pg;
  if (!pg) throw new Error("the checkout scenario needs the fake PG (BenchService.start({ fakePg: true }))");
  const buyers = await createBuyers(service.pool, BUYERS, AMPLE_POINTS, "checkout");
  const [product] = await createProducts(service.pool, 1, 1, LARGE_STOCK, "checkout");
  const tokens = await Promise.all(buyers.map((id) => service.tokenFor(id)));
  const baseline = await stockBaseline(service.pool);
  const client = new GraphqlHttp(service.url);
  const pgWindow = new PgWindow(pg);
  const line = { productId: product!.productId, optionId: product!.optionIds[0]!, quantity: 1 };
  const measurements: Measurement[] = [];
  const journeysAt = new Map<number, Journey[]>();
  let paid = 0; // journeys answered PAID, inside and outside the measured windows alike
  let placed = 0;

  const journey = async (token: string, journeys: Journey[]): Promise<Outcome> => {
    const sent = performance.now();
    const started = await client.request<{ startCheckout: StartedCheckout }>(
      START_CHECKOUT,
      { input: { items: [line] } },
      token,
    );
    const checkout = started.data?.startCheckout;
    if (started.errors?.length || !checkout) return errorCodeOf(started);
    const reservedAt = performance.now();
    const approved = await pgWindow.pay(checkout);
    if ("failure" in approved) return approved.failure;
    const confirmSent = performance.now();
    const confirmed = await client.request<{ confirmPayment: ConfirmedCheckout }>(
      CONFIRM_PAYMENT,
      { paymentKey: approved.paymentKey, pgOrderId: checkout.pgOrderId, amount: checkout.amount },
      token,
    );
    const answered = performance.now();
    const result = confirmed.data?.confirmPayment;
    if (confirmed.errors?.length || !result) return errorCodeOf(confirmed);
    if (result.status !== "PAID" || !result.order) return `CHECKOUT_${result.status}`;
    paid += 1;
    journeys.push({
      answered,
      checkoutId: Number(checkout.id),
      startMs: reservedAt - sent,
      windowMs: confirmSent - reservedAt,
      confirmMs: answered - confirmSent,
      reservedMs: answered - reservedAt,
    });
    return null;
  };

  // A journey takes up to a second or two at 64 buyers on a busy 2-core machine: every loop counts the
  // journeys answered in its window (countAnswered), after a warm-up long enough for the first ones to
  // come back, and quick mode's 1 s window is stretched to 2 s so it counts more than a handful.
  const durationMs = Math.max(settings.durationMs, MIN_WINDOW_MS);
  const warmupMs = Math.max(settings.warmupMs, MIN_WINDOW_MS);
  try {
    for (const concurrency of settings.concurrencies) {
      const run = { concurrency, durationMs, warmupMs, countAnswered: true };
      const journeys: Journey[] = [];
      // The loop's window, as closedLoop draws it: the journeys answered inside it are kept.
      const measureFrom = performance.now() + warmupMs;
      measurements.push({
        series: "service",
        ...(await closedLoop({
          ...run,
          op: (id) => journey(tokens[id % BUYERS]!, journeys),
          cpu: service.cpuReaders(),
        })),
      });
      const stopAt = measureFrom + durationMs;
      journeysAt.set(
        concurrency,
        journeys.filter((j) => j.answered >= measureFrom && j.answered <= stopAt),
      );
      measurements.push({
        series: "placeOrder",
        ...(await closedLoop({
          ...run,
          op: async (id) => {
            const outcome = await client.outcome(PLACE_ORDER, { input: { items: [line] } }, tokens[id % BUYERS]);
            if (outcome === null) placed += 1;
            return outcome;
          },
        })),
      });
    }

    const top = settings.concurrencies.at(-1)!;
    const at = (series: string) => measurements.find((m) => m.series === series && m.concurrency === top)!;
    const topJourneys = journeysAt.get(top)!;
    const start = spread(topJourneys.map((j) => j.startMs));
    const paying = spread(topJourneys.map((j) => j.windowMs));
    const confirm = spread(topJourneys.map((j) => j.confirmMs));
    const reserved = spread(topJourneys.map((j) => j.reservedMs));
    const reservedInDb = spread(await reservedInDatabase(service, topJourneys));
    const statuses = await checkoutStatuses(service);
    const violations = [
      ...(await checkInvariants(service.pool, baseline)),
      ...(await checkPaymentInvariants(service.pool, new FakePgDriver(pg.url, pg))),
      ...(await checkPaidCheckouts(service, paid, placed)),
    ];
    return {
      name: "checkout",
      title: "Card checkout through the PG: 1 unit of one product",
      measurements,
      ratios: [
        ratio("checkout journeys / placeOrder", top, at("service").opsPerSec / at("placeOrder").opsPerSec, null),
      ],
      figures: {
        [`PAID checkouts/s @${top}`]: (topJourneys.length / durationMs) * 1000,
        [`startCheckout p50 / p99 ms @${top}`]: `${fmt(start.p50)} / ${fmt(start.p99)}`,
        [`PG window (POST /pay) p50 / p99 ms @${top}`]: `${fmt(paying.p50)} / ${fmt(paying.p99)}`,
        [`confirmPayment p50 / p99 ms @${top}`]: `${fmt(confirm.p50)} / ${fmt(confirm.p99)}`,
        [`stock reserved p50 / p99 / max ms @${top} (buyer: startCheckout answered to confirmPayment answered)`]: `${fmt(reserved.p50)} / ${fmt(reserved.p99)} / ${fmt(reserved.max)}`,
        [`stock reserved p50 / p99 / max ms @${top} (checkout row: created_at, before the stock lock wait, to updated_at)`]: `${fmt(reservedInDb.p50)} / ${fmt(reservedInDb.p99)} / ${fmt(reservedInDb.max)}`,
        "stock reserved p50 ms by concurrency (buyer)": settings.concurrencies
          .map((c) => `${fmt(spread(journeysAt.get(c)!.map((j) => j.reservedMs)).p50)} @${c}`)
          .join(", "),
        "checkouts PAID (whole run)": paid,
        "checkouts by status": statuses,
      },
      violations,
    };
  } finally {
    client.close();
    pgWindow.close();
  }
}

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/**
 * The same checkouts' reservation as the database recorded it: created_at is stamped as startCheckout
 * begins, updated_at by the move to PAID (the last change of a PAID checkout), both by the API's clock.
 */
async function reservedInDatabase(service: BenchService, journeys: readonly Journey[]): Promise<number[]> {
  if (journeys.length === 0) return [];
  const [rows] = await service.pool.query<RowDataPacket[]>(
    "SELECT TIMESTAMPDIFF(MICROSECOND, created_at, updated_at) AS us FROM checkout WHERE id IN (?) AND status = 'PAID'",
    [journeys.map((j) => j.checkoutId)],
  );
  return rows.map((row) => Number(row.us) / 1000);
}

async function checkoutStatuses(service: BenchService): Promise<string> {
  const [rows] = await service.pool.query<RowDataPacket[]>(
    "SELECT status, COUNT(*) AS n FROM checkout GROUP BY status ORDER BY status",
  );
  return rows.map((row) => `${row.status as string} ${Number(row.n)}`).join(", ") || "none";
}

/**
 * Every PAID checkout has exactly one order, paid by its card payment (the PG's paymentKey, the
 * checkout's amount) for the checkout's total; as many PAID checkouts as journeys answered PAID; and
 * no other order paid by card, nor one more point-paid order than placeOrder acknowledged.
 */
async function checkPaidCheckouts(service: BenchService, paid: number, placed: number): Promise<string[]> {
  const violations: string[] = [];
  const [checkouts] = await service.pool.query<RowDataPacket[]>(`
    SELECT k.id, k.order_id, o.id AS found, o.total_amount, k.amount + k.point_amount AS checkout_total,
           (SELECT COUNT(*) FROM payment p WHERE p.order_id = k.order_id AND p.method = 'CARD'
              AND p.payment_key = k.payment_key AND p.amount = k.amount) AS card_payments,
           (SELECT COUNT(*) FROM checkout other WHERE other.order_id = k.order_id) AS checkouts_of_order
    FROM checkout k LEFT JOIN orders o ON o.id = k.order_id
    WHERE k.status = 'PAID'`);
  for (const row of checkouts) {
    const where = `checkout ${row.id}`;
    if (row.order_id === null || row.found === null) violations.push(`${where}: PAID without an order`);
    else if (Number(row.checkouts_of_order) !== 1)
      violations.push(`${where}: its order ${row.order_id} belongs to ${row.checkouts_of_order} checkouts`);
    else if (Number(row.card_payments) !== 1)
      violations.push(`${where}: order ${row.order_id} has ${row.card_payments} card payments of its paymentKey`);
    else if (Number(row.total_amount) !== Number(row.checkout_total))
      violations.push(`${where}: order ${row.order_id} totals ${row.total_amount}, the checkout ${row.checkout_total}`);
  }
  if (checkouts.length !== paid) violations.push(`${paid} journeys answered PAID, ${checkouts.length} checkouts PAID`);
  const [[counts]] = (await service.pool.query<RowDataPacket[]>(`
    SELECT (SELECT COUNT(DISTINCT order_id) FROM payment WHERE method = 'CARD') AS card_orders,
           (SELECT COUNT(*) FROM orders o WHERE NOT EXISTS
              (SELECT 1 FROM payment p WHERE p.order_id = o.id AND p.method = 'CARD')) AS point_orders`)) as [
    RowDataPacket[],
    unknown,
  ];
  if (Number(counts!.card_orders) !== checkouts.length)
    violations.push(`${counts!.card_orders} orders paid by card, ${checkouts.length} checkouts PAID`);
  if (Number(counts!.point_orders) !== placed)
    violations.push(`${placed} placeOrder acknowledged, ${counts!.point_orders} orders paid from points`);
  return violations;
}
