import mysql, { type Connection, type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Executor, Tx } from "../../src/db/transaction.js";
import { CartService } from "../../src/modules/cart/cart.service.js";
import { CatalogService, type OptionView } from "../../src/modules/catalog/catalog.service.js";
import type { OrderDeps } from "../../src/modules/order/order.deps.js";
import { OrderQueries } from "../../src/modules/order/order-queries.service.js";
import { PlaceOrderService } from "../../src/modules/order/place-order.service.js";
import { groupFallbacks } from "../../src/observability/metrics.js";
import { DomainError } from "../../src/shared/errors.js";
import { adminToken, createProduct, fundedMembers, type SignedIn } from "../helpers/factories.js";
import { checkInvariants } from "../helpers/invariants.js";
import { TestClock } from "../helpers/test-clock.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { rejectionOf } from "../helpers/thrown.js";

/**
 * PlaceOrderService against the real database, with seams that put a concurrent buyer exactly where
 * the race tests only put one by luck: between an order's read of the stock and its take at COMMIT
 * (a cart whose ordered lines are removed after another buyer took the stock), at the stock re-read
 * that follows (a catalog that puts the units back first), on a buyer's wallet or on a stock row (a
 * transaction held open on a connection of the test's own).
 */

let app: TestApp;
let admin: string;
/** The test's own connection to the same database: other buyers, and checks in plain SQL. */
let direct: Connection;
const clock = new TestClock(new Date("2026-11-24T03:00:00.000Z"));

beforeAll(async () => {
  app = await startTestApp("place_order_service");
  admin = await adminToken(app);
  direct = await mysql.createConnection({ uri: app.config.databaseUrl });
});
afterAll(async () => {
  expect(await checkInvariants(app.database.pool)).toEqual([]);
  /* eslint-disable @typescript-eslint/no-unnecessary-condition -- each is unset if beforeAll failed part-way */
  await direct?.end();
  await app?.close();
  /* eslint-enable @typescript-eslint/no-unnecessary-condition */
});

/** A CatalogService whose stock re-read (after a lost race) runs `beforeReRead` first. */
class CatalogReReadHook extends CatalogService {
  reReads = 0;
  constructor(private readonly beforeReRead: (reRead: number) => Promise<void>) {
    super(app.database.db);
  }
  override async optionsByIds(executor: Executor, optionIds: readonly number[]): Promise<OptionView[]> {
    this.reReads += 1;
    await this.beforeReRead(this.reReads);
    return super.optionsByIds(executor, optionIds);
  }
}

/**
 * A CartService that runs `meanwhile` when an order removes the lines it bought: after the order's
 * read of the stock and its writes, before its COMMIT batch takes the stock.
 */
class CartRemovalHook extends CartService {
  removals = 0;
  constructor(private readonly meanwhile: (removal: number) => Promise<void>) {
    super(app.database.db, app.services.catalog);
  }
  override async removeOrderedLines(tx: Tx, cartId: number, lineIds: readonly number[]): Promise<void> {
    this.removals += 1;
    await this.meanwhile(this.removals);
    return super.removeOrderedLines(tx, cartId, lineIds);
  }
}

/** The service under test, on the app's database, with `overrides` as seams; counts outbox signals. */
function placeOrderService(overrides: Partial<OrderDeps> = {}) {
  const signals = { count: 0 };
  const deps: OrderDeps = {
    db: app.database.db,
    pool: app.database.pool,
    clock,
    catalog: app.services.catalog,
    points: app.services.points,
    carts: app.services.carts,
    idempotency: app.services.idempotency,
    outbox: { notify: () => void (signals.count += 1) },
    cardRefunds: app.services.pgRefunds,
    ...overrides,
  };
  return { service: new PlaceOrderService(deps, new OrderQueries(app.database.db)), signals };
}

async function oneOptionProduct(stock: number, price = 100): Promise<{ productId: number; optionId: number }> {
  const product = await createProduct(app, admin, { name: `P${stock}-${Math.random()}`, price, stock });
  return { productId: Number(product.id), optionId: Number(product.options[0]!.id) };
}

const memberIdOf = (member: SignedIn): number => Number(member.memberId);

async function scalar(sql: string, params: unknown[]): Promise<number> {
  const [rows] = await direct.query<RowDataPacket[]>(sql, params);
  return Number(Object.values(rows[0]!)[0]);
}
const stockOf = (optionId: number) => scalar("SELECT quantity FROM stock WHERE option_id = ?", [optionId]);
const setStock = (optionId: number, quantity: number) =>
  direct.query("UPDATE stock SET quantity = ? WHERE option_id = ?", [quantity, optionId]);
const ordersOf = (member: SignedIn) => scalar("SELECT COUNT(*) FROM orders WHERE member_id = ?", [memberIdOf(member)]);
const balanceOf = (member: SignedIn) =>
  scalar("SELECT balance FROM point_wallet WHERE member_id = ?", [memberIdOf(member)]);
const useEntriesOf = (member: SignedIn) =>
  scalar("SELECT COUNT(*) FROM point_ledger WHERE member_id = ? AND type = 'USE'", [memberIdOf(member)]);
const cartLinesOf = (member: SignedIn) =>
  scalar("SELECT COUNT(*) FROM cart_item i JOIN cart c ON c.id = i.cart_id WHERE c.member_id = ?", [
    memberIdOf(member),
  ]);
const fallbacks = async (): Promise<number> => (await groupFallbacks.get()).values[0]?.value ?? 0;

/** Ids of the transactions of this database now waiting for a row lock. */
async function lockWaiters(): Promise<string[]> {
  const [rows] = await direct.query<RowDataPacket[]>(
    `SELECT t.trx_id AS id FROM information_schema.INNODB_TRX t
       JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
      WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()`,
  );
  return rows.map((row) => String(row.id));
}

/**
 * Waits until a transaction not among `seen` waits for a lock; returns every waiter then. InnoDB
 * refreshes what INNODB_TRX shows only when it was last read over 0.1 s ago, so reading it more often
 * would never show the wait.
 */
async function untilNewLockWaiter(seen: readonly string[] = []): Promise<string[]> {
  await expect
    .poll(async () => (await lockWaiters()).some((id) => !seen.includes(id)), { interval: 250, timeout: 15_000 })
    .toBe(true);
  return lockWaiters();
}

/** A transaction of another buyer, held open on a connection of its own until the test ends it. */
async function openTransaction(): Promise<Connection> {
  const connection = await mysql.createConnection({ uri: app.config.databaseUrl });
  await connection.query("START TRANSACTION");
  return connection;
}

describe(PlaceOrderService.name, () => {
  describe("stock taken between the read and the take", () => {
    it("reads the stock again and places the order when the units are back", async () => {
      const { productId, optionId } = await oneOptionProduct(5);
      const [buyer] = await fundedMembers(app, 1, 10_000);
      await app.services.carts.addItem(memberIdOf(buyer!), { productId, optionId: null, quantity: 2 });
      // Another buyer takes the rest after the order read 5, once; a cancellation puts it back before the re-read.
      const carts = new CartRemovalHook(async (removal) => {
        if (removal === 1) await setStock(optionId, 0);
      });
      const catalog = new CatalogReReadHook(() => setStock(optionId, 5).then(() => undefined));
      const { service, signals } = placeOrderService({ carts, catalog });

      const placed = await service.placeOrder(memberIdOf(buyer!), { fromCart: true });

      expect(carts.removals).toBe(2);
      expect(catalog.reReads).toBe(1);
      expect(placed.order).toMatchObject({ memberId: memberIdOf(buyer!), status: "PAID", totalAmount: 200 });
      expect(placed.items).toEqual([expect.objectContaining({ optionId, quantity: 2, amount: 200 })]);
      expect(placed.order.createdAt).toEqual(clock.now());
      expect(signals.count).toBe(1);
      expect(await stockOf(optionId)).toBe(3);
      expect(await ordersOf(buyer!)).toBe(1);
      expect(await balanceOf(buyer!)).toBe(9_800);
      expect(await useEntriesOf(buyer!)).toBe(1);
      expect(await cartLinesOf(buyer!)).toBe(0);
    });

    it("answers INSUFFICIENT_STOCK with what the re-read found when the units stay gone", async () => {
      const { productId, optionId } = await oneOptionProduct(5);
      const [buyer] = await fundedMembers(app, 1, 10_000);
      await app.services.carts.addItem(memberIdOf(buyer!), { productId, optionId: null, quantity: 2 });
      const carts = new CartRemovalHook(() => setStock(optionId, 1).then(() => undefined));
      const catalog = new CatalogReReadHook(() => Promise.resolve());
      const { service, signals } = placeOrderService({ carts, catalog });

      const error = await rejectionOf(service.placeOrder(memberIdOf(buyer!), { fromCart: true }));

      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: "INSUFFICIENT_STOCK",
        details: { optionId: String(optionId), available: 1, requested: 2 },
      });
      expect(catalog.reReads).toBe(1);
      expect(signals.count).toBe(0);
      expect(await ordersOf(buyer!)).toBe(0);
      expect(await balanceOf(buyer!)).toBe(10_000);
      expect(await cartLinesOf(buyer!)).toBe(1);
    });

    it("answers a retryable CONFLICT when the stock is taken at each of three tries, though back at each re-read", async () => {
      const { productId, optionId } = await oneOptionProduct(5);
      const [buyer] = await fundedMembers(app, 1, 10_000);
      await app.services.carts.addItem(memberIdOf(buyer!), { productId, optionId: null, quantity: 2 });
      const carts = new CartRemovalHook(() => setStock(optionId, 0).then(() => undefined));
      const catalog = new CatalogReReadHook(() => setStock(optionId, 5).then(() => undefined));
      const { service, signals } = placeOrderService({ carts, catalog });

      const error = await rejectionOf(service.placeOrder(memberIdOf(buyer!), { fromCart: true }));

      expect(error).toMatchObject({ code: "CONFLICT", details: { retryable: true } });
      expect(carts.removals).toBe(3);
      expect(catalog.reReads).toBe(3);
      expect(signals.count).toBe(0);
      expect(await ordersOf(buyer!)).toBe(0);
      expect(await balanceOf(buyer!)).toBe(10_000);
      expect(await cartLinesOf(buyer!)).toBe(1);
      expect(await stockOf(optionId)).toBe(5);
    });
  });

  describe("the group commit of plain orders", () => {
    it("places an order whose wallet another transaction holds on its own, while the others go on", async () => {
      const { productId, optionId } = await oneOptionProduct(10);
      const [held, other] = await fundedMembers(app, 2, 10_000);
      const { service } = placeOrderService();
      const fallbacksBefore = await fallbacks();
      const holder = await openTransaction();
      try {
        await holder.query("SELECT balance FROM point_wallet WHERE member_id = ? FOR UPDATE", [memberIdOf(held!)]);
        let heldAnswered = false;
        const heldOrder = service
          .placeOrder(memberIdOf(held!), { items: [{ productId, optionId: null, quantity: 1 }] })
          .finally(() => (heldAnswered = true));

        // The group skipped the held wallet (SKIP LOCKED); the order alone waits for it.
        await untilNewLockWaiter();
        const otherOrder = await service.placeOrder(memberIdOf(other!), {
          items: [{ productId, optionId: null, quantity: 1 }],
        });
        expect(otherOrder.order.memberId).toBe(memberIdOf(other!));
        expect(heldAnswered).toBe(false);

        await holder.query("ROLLBACK");
        const heldPlaced = await heldOrder;
        expect(heldPlaced.items).toEqual([expect.objectContaining({ optionId, quantity: 1 })]);
      } finally {
        await holder.end();
      }
      // A held wallet is not the group failing.
      expect(await fallbacks()).toBe(fallbacksBefore);
      expect(await ordersOf(held!)).toBe(1);
      expect(await balanceOf(held!)).toBe(9_900);
      expect(await stockOf(optionId)).toBe(8);
    });

    it("places each order of a group that committed nothing on its own, where each gets its own answer", async () => {
      const short = await oneOptionProduct(5);
      const plenty = await oneOptionProduct(5);
      const blocking = await oneOptionProduct(5);
      const [a, b, c] = await fundedMembers(app, 3, 10_000);
      const { service } = placeOrderService();
      const fallbacksBefore = await fallbacks();
      const blocker = await openTransaction();
      const taker = await openTransaction();
      try {
        // c's order is a group of its own, held at its COMMIT by the blocker's lock on its stock row,
        // so that a's and b's orders queue up meanwhile and go as the next group, together.
        await blocker.query("SELECT quantity FROM stock WHERE option_id = ? FOR UPDATE", [blocking.optionId]);
        const cOrder = service.placeOrder(memberIdOf(c!), { items: [{ ...blocking, quantity: 1 }] });
        const seen = await untilNewLockWaiter();
        // Another buyer takes 4 of the short product, not committed yet: a and b's group still reads 5.
        await taker.query("UPDATE stock SET quantity = 1 WHERE option_id = ?", [short.optionId]);
        const aOrder = rejectionOf(service.placeOrder(memberIdOf(a!), { items: [{ ...short, quantity: 2 }] }));
        const bOrder = service.placeOrder(memberIdOf(b!), { items: [{ ...plenty, quantity: 1 }] });

        await blocker.query("ROLLBACK");
        await cOrder;
        // a and b's group now waits at its COMMIT for the taker's row; once it commits, the group's
        // stock UPDATE would take the row below zero and the whole group rolls back.
        await untilNewLockWaiter(seen);
        await taker.query("COMMIT");

        expect(await aOrder).toMatchObject({
          code: "INSUFFICIENT_STOCK",
          details: { optionId: String(short.optionId), available: 1 },
        });
        expect((await bOrder).items).toEqual([expect.objectContaining({ optionId: plenty.optionId, quantity: 1 })]);
      } finally {
        await blocker.end();
        await taker.end();
      }
      expect(await fallbacks()).toBe(fallbacksBefore + 1);
      expect([await ordersOf(a!), await ordersOf(b!), await ordersOf(c!)]).toEqual([0, 1, 1]);
      expect([await balanceOf(a!), await balanceOf(b!), await balanceOf(c!)]).toEqual([10_000, 9_900, 9_900]);
      expect([await stockOf(short.optionId), await stockOf(plenty.optionId)]).toEqual([1, 4]);
    });
  });

  describe("an idempotency key", () => {
    it("answers a repeat with the first order, as committed, and pays once", async () => {
      const { productId, optionId } = await oneOptionProduct(10);
      const [buyer] = await fundedMembers(app, 1, 10_000);
      const { service, signals } = placeOrderService();
      const input = { items: [{ productId, optionId: null, quantity: 3 }], idempotencyKey: "once" };

      const first = await service.placeOrder(memberIdOf(buyer!), input);
      const repeat = await service.placeOrder(memberIdOf(buyer!), input);

      expect(repeat.order).toEqual(first.order);
      expect(repeat.items).toEqual(first.items);
      // The repeat changed nothing: no second order, charge, stock taken or event.
      expect(signals.count).toBe(1);
      expect(await ordersOf(buyer!)).toBe(1);
      expect(await balanceOf(buyer!)).toBe(9_700);
      expect(await useEntriesOf(buyer!)).toBe(1);
      expect(await stockOf(optionId)).toBe(7);
      expect(await scalar("SELECT COUNT(*) FROM outbox WHERE aggregate_id = ?", [first.order.id])).toBe(1);
    });

    it("refuses the same key with another order as CONFLICT, changing nothing", async () => {
      const { productId, optionId } = await oneOptionProduct(10);
      const [buyer] = await fundedMembers(app, 1, 10_000);
      const { service } = placeOrderService();
      await service.placeOrder(memberIdOf(buyer!), {
        items: [{ productId, optionId: null, quantity: 1 }],
        idempotencyKey: "mine",
      });

      const error = await rejectionOf(
        service.placeOrder(memberIdOf(buyer!), {
          items: [{ productId, optionId: null, quantity: 2 }],
          idempotencyKey: "mine",
        }),
      );

      expect(error).toMatchObject({ code: "CONFLICT" });
      expect(await ordersOf(buyer!)).toBe(1);
      expect(await stockOf(optionId)).toBe(9);
    });
  });
});
