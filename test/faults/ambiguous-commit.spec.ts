import mysql, { type Connection, type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  adminToken,
  createProduct,
  fundedMembers,
  placeOrder,
  type CreatedProduct,
  type SignedIn,
} from "../helpers/factories.js";
import { FaultProxy, type QueryAction } from "../helpers/fault-proxy.js";
import { errorCode, expectData, type GraphQLResponse } from "../helpers/graphql.js";
import { checkInvariants, stockBaseline } from "../helpers/invariants.js";
import { seededRandom } from "../helpers/seeded-random.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { uniqueDatabaseUrl } from "../helpers/test-database.js";

/** How long the stream of orders with cut COMMITs runs: short in `npm test`, 10 s in `npm run test:faults`. */
const STREAM_MS = Number(process.env.FAULT_AMBIGUOUS_COMMIT_MS ?? 2_500);
/** Short, so the half-open connection test does not wait 20 s; still above what a batch takes here. */
const BATCH_TIMEOUT_MS = 3_000;

/**
 * The service talks to MariaDB through a fault proxy (test/helpers/fault-proxy.ts) that can cut a
 * connection right after passing a COMMIT on (the server commits, the service never hears it),
 * before it (the server never sees it), or leave it half-open. An order is never placed twice behind
 * its buyer's back, and a committed order answers with the order wherever that can be found out.
 */
const isCommitBatch = (sql: string): boolean => sql.includes("INSERT INTO commit_token") && /\bCOMMIT\b/.test(sql);

let proxy: FaultProxy;
let app: TestApp;
let direct: Connection;
/** The test's database, reached without the proxy (for checks, and for holding rows). */
let directUrl: string;
let product: CreatedProduct;
let buyers: SignedIn[];

beforeAll(async () => {
  proxy = await FaultProxy.start({ host: "127.0.0.1", port: 3306 });
  directUrl = uniqueDatabaseUrl("ambiguous_commit");
  const database = new URL(directUrl).pathname.slice(1);
  app = await startTestApp("ambiguous_commit", {
    DATABASE_URL: proxy.url(database),
    DB_BATCH_TIMEOUT_MS: String(BATCH_TIMEOUT_MS),
    RATE_LIMIT_MUTATION_BURST: "100000",
    RATE_LIMIT_MUTATIONS_PER_SECOND: "100000",
  });
  direct = await mysql.createConnection({ uri: directUrl });
  const admin = await adminToken(app);
  product = await createProduct(app, admin, { name: "Contested", price: 100, stock: 1_000_000 });
  buyers = await fundedMembers(app, 32, 100_000_000);
});

afterAll(async () => {
  /* eslint-disable @typescript-eslint/no-unnecessary-condition -- each is unset if beforeAll failed part-way */
  await direct?.end();
  await app?.close();
  await proxy?.close();
  /* eslint-enable @typescript-eslint/no-unnecessary-condition */
});

beforeEach(() => {
  proxy.rules = {};
});

const oneUnit = () => ({ items: [{ productId: product.id, quantity: 1 }] });

async function ordersOf(member: SignedIn): Promise<number> {
  const [rows] = await direct.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM orders WHERE member_id = ?", [
    Number(member.memberId),
  ]);
  return Number(rows[0]!.n);
}

async function resolvedCommits(outcome: "committed" | "rolled-back" | "unknown"): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((candidate) =>
      candidate.startsWith(`db_commit_outcomes_resolved_total{unit="place_order",outcome="${outcome}"}`),
    );
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** Cuts the first `count` COMMIT batches the rule sees, with `action`; passes everything else. */
function cutCommits(action: QueryAction, count = 1): { cut: () => number } {
  let cut = 0;
  proxy.rules = {
    onQuery: (sql) => {
      if (!isCommitBatch(sql) || cut >= count) return "forward";
      cut += 1;
      return action;
    },
  };
  return { cut: () => cut };
}

describe("a COMMIT whose answer is lost", () => {
  it("answers a lone order with the order it committed, placed once", async () => {
    const buyer = buyers[0]!;
    const before = await ordersOf(buyer);
    const committedBefore = await resolvedCommits("committed");
    const rule = cutCommits("cut-after");
    // An idempotency key makes it a lone transaction (not a group).
    const order = expectData(
      await placeOrder(app, buyer, { ...oneUnit(), idempotencyKey: "lone-cut-after" }),
    ).placeOrder;
    expect(rule.cut()).toBe(1);
    expect(await ordersOf(buyer)).toBe(before + 1);
    const [rows] = await direct.query<RowDataPacket[]>("SELECT member_id FROM orders WHERE id = ?", [Number(order.id)]);
    expect(Number(rows[0]!.member_id)).toBe(Number(buyer.memberId));
    expect(await resolvedCommits("committed")).toBe(committedBefore + 1);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });

  it("answers a lone order whose COMMIT never reached the server SERVICE_UNAVAILABLE, with nothing placed", async () => {
    const buyer = buyers[1]!;
    const before = await ordersOf(buyer);
    const rolledBackBefore = await resolvedCommits("rolled-back");
    cutCommits("cut-before");
    const response = await placeOrder(app, buyer, { ...oneUnit(), idempotencyKey: "lone-cut-before" });
    expect(errorCode(response)).toBe("SERVICE_UNAVAILABLE");
    expect(response.errors![0]!.extensions).toMatchObject({ retryable: true });
    expect(await ordersOf(buyer)).toBe(before);
    expect(await resolvedCommits("rolled-back")).toBe(rolledBackBefore + 1);
    // The retry the answer asks for places it, once.
    expectData(await placeOrder(app, buyer, { ...oneUnit(), idempotencyKey: "lone-cut-before" }));
    expect(await ordersOf(buyer)).toBe(before + 1);
  });

  it("answers every order of a group with its order when the group's COMMIT answer is lost, placing none twice", async () => {
    const group = buyers.slice(2, 22);
    const before = await Promise.all(group.map(ordersOf));
    const rule = cutCommits("cut-after", 3);
    const answers = await Promise.all(group.map((buyer) => placeOrder(app, buyer, oneUnit())));
    expect(rule.cut()).toBeGreaterThan(0);
    for (const answer of answers) expectData(answer);
    expect(await Promise.all(group.map(ordersOf))).toEqual(before.map((count) => count + 1));
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });

  it("places each order of a group whose COMMIT never reached the server on its own, once", async () => {
    const group = buyers.slice(2, 22);
    const before = await Promise.all(group.map(ordersOf));
    // One cut: the group's. (A lone order whose own COMMIT is cut before the server answers
    // SERVICE_UNAVAILABLE with nothing placed: the test above.)
    const rule = cutCommits("cut-before", 1);
    const answers = await Promise.all(group.map((buyer) => placeOrder(app, buyer, oneUnit())));
    expect(rule.cut()).toBeGreaterThan(0);
    for (const answer of answers) expectData(answer);
    expect(await Promise.all(group.map(ordersOf))).toEqual(before.map((count) => count + 1));
  });

  it("never places an order twice behind its buyer's back while COMMITs are cut at random", async () => {
    const baseline = await stockBaseline(app.database.pool);
    const before = await Promise.all(buyers.map(ordersOf));
    const next = seededRandom(11);
    proxy.rules = {
      onQuery: (sql) => {
        if (!isCommitBatch(sql)) return "forward";
        const roll = next();
        return roll < 0.1 ? "cut-after" : roll < 0.15 ? "cut-before" : "forward";
      },
    };
    const answers = buyers.map(() => ({ ok: 0, unknown: 0, failed: 0 }));
    const codes: Record<string, number> = {};
    const stopAt = Date.now() + STREAM_MS;
    await Promise.all(
      buyers.map(async (buyer, index) => {
        while (Date.now() < stopAt) {
          const response: GraphQLResponse<unknown> = await placeOrder(app, buyer, oneUnit());
          if (!response.errors) {
            answers[index]!.ok += 1;
            continue;
          }
          const code = errorCode(response) ?? "none";
          codes[code] = (codes[code] ?? 0) + 1;
          if (response.errors[0]!.extensions?.outcomeUnknown === true) answers[index]!.unknown += 1;
          else answers[index]!.failed += 1;
        }
      }),
    );
    proxy.rules = {};
    const after = await Promise.all(buyers.map(ordersOf));
    const placed = after.map((count, index) => count - before[index]!);
    const violations = await checkInvariants(app.database.pool, baseline);
    const total = (key: "ok" | "unknown" | "failed") => answers.reduce((sum, answer) => sum + answer[key], 0);
    console.info(
      `ambiguous commits: ${total("ok") + total("unknown") + total("failed")} orders from ${buyers.length} members, ${proxy.stats.cut} connections cut, ` +
        `${total("ok")} placed, ${total("unknown")} told the outcome is unknown, ${total("failed")} refused ${JSON.stringify(codes)}, ` +
        `resolved: ${await resolvedCommits("committed")} committed, ${await resolvedCommits("rolled-back")} rolled back, ${await resolvedCommits("unknown")} unknown; ${violations.length} invariant violations`,
    );
    // Per member: every order in the database was answered as placed, or as "outcome unknown".
    for (const [index, answer] of answers.entries()) {
      expect(placed[index], `member ${buyers[index]!.memberId}`).toBeGreaterThanOrEqual(answer.ok);
      expect(placed[index], `member ${buyers[index]!.memberId}`).toBeLessThanOrEqual(answer.ok + answer.unknown);
    }
    expect(proxy.stats.cut).toBeGreaterThan(0);
    expect(await resolvedCommits("committed")).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});

describe("a charge whose COMMIT answer is lost", () => {
  const CHARGE = `mutation ($amount: SafeInt!) { chargePoint(amount: $amount) { balance } }`;
  const KEYED_CHARGE = `mutation ($amount: SafeInt!, $key: String) { chargePoint(amount: $amount, idempotencyKey: $key) { balance } }`;

  /** Cuts the first drizzle COMMIT of a transaction that wrote a commit token (a charge or a cancellation). */
  function cutTransactionCommit(action: QueryAction): { cut: () => number } {
    const afterToken = new Set<number>();
    let cut = 0;
    proxy.rules = {
      onQuery: (sql, connection) => {
        if (/insert into `?commit_token/i.test(sql)) afterToken.add(connection.id);
        else if (sql.trim().toLowerCase() === "commit" && afterToken.delete(connection.id) && cut === 0) {
          cut += 1;
          return action;
        }
        return "forward";
      },
    };
    return { cut: () => cut };
  }

  const balance = async (member: SignedIn): Promise<number> => {
    const [rows] = await direct.query<RowDataPacket[]>("SELECT balance FROM point_wallet WHERE member_id = ?", [
      Number(member.memberId),
    ]);
    return Number(rows[0]!.balance);
  };

  const ledgerEntries = async (member: SignedIn): Promise<number> => {
    const [rows] = await direct.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM point_ledger WHERE member_id = ?", [
      Number(member.memberId),
    ]);
    return Number(rows[0]!.n);
  };

  /** Cuts the COMMIT batches of the first `count` groups of charges with `action`. */
  function cutChargeGroups(action: QueryAction, count: number): { cut: () => number } {
    let cut = 0;
    proxy.rules = {
      onQuery: (sql) => {
        if (!isCommitBatch(sql) || !sql.includes("'CHARGE'") || cut >= count) return "forward";
        cut += 1;
        return action;
      },
    };
    return { cut: () => cut };
  }

  /** Ten charges of one member at once (1..10 points): a group of one, then groups of what queued. */
  const chargeTenAtOnce = (member: SignedIn) =>
    Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        app.gql<{ chargePoint: { balance: number } }>(CHARGE, { amount: i + 1 }, { token: member.token }),
      ),
    );

  it("answers every charge of a group with the balance it committed when the COMMIT answer is lost, charging none twice", async () => {
    const member = buyers[28]!;
    const [before, entriesBefore] = [await balance(member), await ledgerEntries(member)];
    const rule = cutChargeGroups("cut-after", 2);
    const answers = (await chargeTenAtOnce(member)).map((answer) => expectData(answer).chargePoint.balance);
    expect(rule.cut()).toBe(2);
    // Each charge answered with the balance it left, as if the ten had run one after another.
    expect(new Set(answers).size).toBe(10);
    expect(Math.max(...answers)).toBe(before + 55);
    expect(await balance(member)).toBe(before + 55);
    expect(await ledgerEntries(member)).toBe(entriesBefore + 10);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });

  it("charges each charge of a group whose COMMIT never reached the server on its own, once", async () => {
    const member = buyers[29]!;
    const [before, entriesBefore] = [await balance(member), await ledgerEntries(member)];
    const rule = cutChargeGroups("cut-before", 2);
    for (const answer of await chargeTenAtOnce(member)) expectData(answer);
    expect(rule.cut()).toBe(2);
    expect(await balance(member)).toBe(before + 55);
    expect(await ledgerEntries(member)).toBe(entriesBefore + 10);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });

  it("answers a charge with an idempotency key (a transaction of its own) with the balance it committed, charged once", async () => {
    const member = buyers[25]!;
    const before = await balance(member);
    const rule = cutTransactionCommit("cut-after");
    const answer = expectData(
      await app.gql<{ chargePoint: { balance: number } }>(
        KEYED_CHARGE,
        { amount: 777, key: "lost-commit-after" },
        { token: member.token },
      ),
    );
    expect(rule.cut()).toBe(1);
    expect(answer.chargePoint.balance).toBe(before + 777);
    expect(await balance(member)).toBe(before + 777);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });

  it("answers a keyed charge whose COMMIT never reached the server SERVICE_UNAVAILABLE, nothing charged", async () => {
    const member = buyers[26]!;
    const before = await balance(member);
    const rule = cutTransactionCommit("cut-before");
    const response = await app.gql(KEYED_CHARGE, { amount: 555, key: "lost-commit-before" }, { token: member.token });
    expect(rule.cut()).toBe(1);
    expect(errorCode(response)).toBe("SERVICE_UNAVAILABLE");
    expect(await balance(member)).toBe(before);
  });
});

describe("a stuck transaction", () => {
  it("does not hold up other members' orders while one member's wallet row is held", async () => {
    const held = buyers[22]!;
    const others = buyers.slice(0, 20);
    const holder = await mysql.createConnection({ uri: directUrl });
    try {
      await holder.query("START TRANSACTION");
      await holder.query("SELECT balance FROM point_wallet WHERE member_id = ? FOR UPDATE", [Number(held.memberId)]);
      let heldAnswered = false;
      const heldOrder = placeOrder(app, held, oneUnit()).then((response) => {
        heldAnswered = true;
        return response;
      });
      const answers = await Promise.all(others.map((buyer) => placeOrder(app, buyer, oneUnit())));
      for (const answer of answers) expectData(answer);
      // All 20 went through while the held member's order still waits for its wallet.
      expect(heldAnswered).toBe(false);
      await holder.query("ROLLBACK");
      expectData(await heldOrder);
    } finally {
      await holder.end();
    }
  });

  it("does not hold up other orders while a group waits on a half-open connection, and answers that group once it knows", async () => {
    const stalledBuyer = buyers[23]!;
    const before = await ordersOf(stalledBuyer);
    let stalled = 0;
    proxy.rules = {
      onQuery: (sql) => {
        if (!isCommitBatch(sql) || stalled > 0) return "forward";
        stalled += 1;
        return "stall-after";
      },
    };
    let stalledAnswered = false;
    const stalledOrder = placeOrder(app, stalledBuyer, oneUnit()).then((response) => {
      stalledAnswered = true;
      return response;
    });
    while (stalled === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const answers = await Promise.all(buyers.slice(0, 20).map((buyer) => placeOrder(app, buyer, oneUnit())));
    for (const answer of answers) expectData(answer);
    expect(stalledAnswered).toBe(false);
    // The server committed; after the batch timeout the service asks, and answers with the order.
    expectData(await stalledOrder);
    expect(await ordersOf(stalledBuyer)).toBe(before + 1);
    expect(proxy.stats.stalled).toBeGreaterThan(0);
  });
});

describe("stock taken between the read and the take, again and again", () => {
  it("answers a retryable CONFLICT after the last try, not INSUFFICIENT_STOCK with a made-up availability", async () => {
    const admin = await adminToken(app);
    const scarce = await createProduct(app, admin, { name: "Flapping", price: 100, stock: 5 });
    const optionId = Number(scarce.options[0]!.id);
    const buyer = buyers[24]!;
    const before = await ordersOf(buyer);
    // Each time the order takes its stock, another buyer has just taken it all; once it has rolled
    // back, the stock is back (a cancellation) before the service's next statement: every re-read
    // says the stock covers the order.
    const racing = new Set<number>();
    let restorePending = false;
    let races = 0;
    proxy.rules = {
      onQuery: async (sql, connection): Promise<QueryAction> => {
        if (restorePending) {
          restorePending = false;
          await direct.query("UPDATE stock SET quantity = 5 WHERE option_id = ?", [optionId]);
        }
        if (sql.includes("UPDATE stock SET quantity = quantity - CASE") && isCommitBatch(sql)) {
          racing.add(connection.id);
          races += 1;
          await direct.query("UPDATE stock SET quantity = 0 WHERE option_id = ?", [optionId]);
        } else if (racing.has(connection.id) && sql.trim() === "ROLLBACK") {
          racing.delete(connection.id);
          restorePending = true;
        }
        return "forward";
      },
    };
    const response = await placeOrder(app, buyer, {
      items: [{ productId: scarce.id, quantity: 2 }],
      idempotencyKey: "flapping",
    });
    proxy.rules = {};
    expect(errorCode(response)).toBe("CONFLICT");
    expect(response.errors![0]!.extensions).toMatchObject({ retryable: true });
    expect(races).toBe(3);
    expect(await ordersOf(buyer)).toBe(before);
    // With the stock left alone, the same request goes through.
    expectData(
      await placeOrder(app, buyer, { items: [{ productId: scarce.id, quantity: 2 }], idempotencyKey: "flapping" }),
    );
  });
});
