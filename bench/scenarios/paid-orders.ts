import { randomUUID } from "node:crypto";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { addDays, dayOf, startOfDay } from "../../src/modules/ranking/ranking.rules.js";
import { orderEvent, type OrderSnapshot } from "../../src/outbox/order-event.js";

/**
 * Paid orders written straight into a scratch database, as placeOrder would have left them: the
 * order, its lines, its payment, and its ORDER_PAID outbox row built by the service's own
 * `orderEvent`, so the payload is byte for byte what a real order writes. Ids are given explicitly
 * (after whatever the database already holds) because the payload must name them.
 */

const CHUNK = 1_000;
const PRICE = 1_000;

export interface PaidOrdersOptions {
  orders: number;
  products: number;
  members: number;
  /** RANKING_TIMEZONE: the orders are spread over the last three calendar days of it, today included. */
  timeZone: string;
  tag: string;
}

export interface PaidOrders {
  /** Seconds spent writing orders, lines and payments (autocommit, chunk by chunk). */
  ordersSeconds: number;
  /** Seconds of the one transaction that wrote every outbox row: the relay sees them all at its commit. */
  outboxSeconds: number;
  committedAt: number;
}

async function insertChunked(pool: Pool, sqlHead: string, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await pool.query(`${sqlHead} VALUES ?`, [rows.slice(i, i + CHUNK)]);
}

async function nextId(pool: Pool, table: string): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT COALESCE(MAX(id), 0) + 1 AS next FROM \`${table}\``);
  return Number(rows[0]!.next);
}

/** `count` members and `count` one-option products; returns the products' [productId, optionId] pairs. */
async function createCatalog(
  pool: Pool,
  options: PaidOrdersOptions,
): Promise<{ memberIds: number[]; products: Array<[number, number]> }> {
  const firstMember = await nextId(pool, "member");
  await insertChunked(
    pool,
    "INSERT INTO member (id, login_id, password_hash, nickname)",
    Array.from({ length: options.members }, (_, i) => [
      firstMember + i,
      `${options.tag}-${i}`,
      "not-a-login",
      `${options.tag} ${i}`,
    ]),
  );
  const firstProduct = await nextId(pool, "product");
  const firstOption = await nextId(pool, "product_option");
  const products = Array.from({ length: options.products }, (_, i): [number, number] => [
    firstProduct + i,
    firstOption + i,
  ]);
  await insertChunked(
    pool,
    "INSERT INTO product (id, name, price)",
    products.map(([id], i) => [id, `${options.tag} ${i}`, PRICE]),
  );
  await insertChunked(
    pool,
    "INSERT INTO product_option (id, product_id, name, additional_price)",
    products.map(([id, optionId]) => [optionId, id, "default", 0]),
  );
  await insertChunked(
    pool,
    "INSERT INTO stock (option_id, quantity)",
    products.map(([, optionId]) => [optionId, 1_000_000]),
  );
  return { memberIds: Array.from({ length: options.members }, (_, i) => firstMember + i), products };
}

/** A skewed pick (a few best sellers, a long tail), so the ranking has a top worth the name. */
const pickIndex = (count: number): number => Math.floor(Math.random() ** 2 * count);

export async function loadPaidOrders(pool: Pool, options: PaidOrdersOptions): Promise<PaidOrders> {
  const started = Date.now();
  const { memberIds, products } = await createCatalog(pool, options);
  const now = Date.now();
  const from = startOfDay(addDays(dayOf(new Date(now), options.timeZone), -2), options.timeZone).getTime();
  // Oldest first, as orders are placed: ids rise with time. A minute of margin before `now` keeps
  // every order inside today's window however long the load takes.
  const times = Array.from(
    { length: options.orders },
    () => from + Math.floor(Math.random() * (now - 60_000 - from)),
  ).sort((a, b) => a - b);
  let orderId = await nextId(pool, "orders");
  let itemId = await nextId(pool, "order_item");
  const orderRows: unknown[][] = [];
  const itemRows: unknown[][] = [];
  const paymentRows: unknown[][] = [];
  const outboxRows: unknown[][] = [];
  for (const time of times) {
    const createdAt = new Date(time);
    const lineCount = 1 + Math.floor(Math.random() * 3);
    const picked = new Set<number>();
    while (picked.size < lineCount) picked.add(pickIndex(products.length));
    const items = [...picked].map((index) => {
      const [productId, optionId] = products[index]!;
      return {
        id: itemId++,
        productId,
        optionId,
        quantity: 1 + Math.floor(Math.random() * 5),
        unitPrice: PRICE,
        status: "PAID" as const,
      };
    });
    const totalAmount = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
    const snapshot: OrderSnapshot = {
      id: orderId,
      memberId: memberIds[orderId % memberIds.length]!,
      totalAmount,
      createdAt,
      items,
    };
    orderRows.push([snapshot.id, snapshot.memberId, "PAID", totalAmount, createdAt, createdAt]);
    for (const item of items) {
      itemRows.push([
        item.id,
        orderId,
        item.productId,
        item.optionId,
        "bench product",
        "default",
        item.unitPrice,
        item.quantity,
        item.quantity * item.unitPrice,
        "PAID",
        createdAt,
        createdAt,
      ]);
    }
    paymentRows.push([orderId, snapshot.memberId, "POINT", totalAmount, createdAt, createdAt]);
    const event = orderEvent("ORDER_PAID", randomUUID(), createdAt, snapshot);
    outboxRows.push([event.eventId, event.type, orderId, JSON.stringify(event), createdAt, createdAt]);
    orderId += 1;
  }
  await insertChunked(
    pool,
    "INSERT INTO orders (id, member_id, status, total_amount, created_at, updated_at)",
    orderRows,
  );
  await insertChunked(
    pool,
    "INSERT INTO order_item (id, order_id, product_id, option_id, product_name, option_name, unit_price, quantity, amount, status, created_at, updated_at)",
    itemRows,
  );
  await insertChunked(
    pool,
    "INSERT INTO payment (order_id, member_id, method, amount, created_at, updated_at)",
    paymentRows,
  );
  const ordersDone = Date.now();
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    for (let i = 0; i < outboxRows.length; i += CHUNK) {
      await connection.query(
        "INSERT INTO outbox (event_id, type, aggregate_id, payload, occurred_at, created_at) VALUES ?",
        [outboxRows.slice(i, i + CHUNK)],
      );
    }
    await connection.commit();
  } finally {
    connection.release();
  }
  const committedAt = Date.now();
  return {
    ordersSeconds: (ordersDone - started) / 1000,
    outboxSeconds: (committedAt - ordersDone) / 1000,
    committedAt,
  };
}
