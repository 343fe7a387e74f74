import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUpMember, type SignedIn } from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { checkInvariants } from "../helpers/invariants.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("points");
});
afterAll(() => app.close());

const CHARGE = `mutation ($amount: SafeInt!, $key: String) { chargePoint(amount: $amount, idempotencyKey: $key) { balance } }`;
const POINT = `query ($first: Int, $after: String) {
  point { balance history(first: $first, after: $after) {
    totalCount nodes { id type amount balanceAfter orderId createdAt } pageInfo { hasNextPage endCursor }
  } }
}`;

interface PointData {
  point: {
    balance: number;
    history: {
      totalCount: number;
      nodes: Array<{ id: string; type: string; amount: number; balanceAfter: number; createdAt: string }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

const charge = (member: SignedIn, amount: number, key?: string) =>
  app.gql<{ chargePoint: { balance: number } }>(CHARGE, { amount, key }, { token: member.token });

describe("chargePoint", () => {
  it("adds points and writes CHARGE entries, history newest first with running balances", async () => {
    const member = await signUpMember(app);
    for (const amount of [1000, 2500, 40]) expectData(await charge(member, amount));
    const first = expectData(await app.gql<PointData>(POINT, { first: 2 }, { token: member.token })).point;
    expect(first.balance).toBe(3540);
    expect(first.history.totalCount).toBe(3);
    expect(first.history.nodes.map((n) => [n.type, n.amount, n.balanceAfter])).toEqual([
      ["CHARGE", 40, 3540],
      ["CHARGE", 2500, 3500],
    ]);
    expect(new Date(first.history.nodes[0]!.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const second = expectData(
      await app.gql<PointData>(POINT, { first: 2, after: first.history.pageInfo.endCursor }, { token: member.token }),
    ).point;
    expect(second.history.nodes.map((n) => n.balanceAfter)).toEqual([1000]);
    expect(second.history.pageInfo.hasNextPage).toBe(false);
  });

  it.each([
    ["zero", 0, "BAD_USER_INPUT"],
    ["a negative amount", -100, "BAD_USER_INPUT"],
    ["more than 100,000,000 at once", 100_000_001, "BAD_USER_INPUT"],
    ["a fraction", 10.5, "BAD_USER_INPUT"],
    ["2^53", 2 ** 53, "BAD_USER_INPUT"],
  ])("refuses %s and changes nothing", async (_label, amount, code) => {
    const member = await signUpMember(app);
    expect(errorCode(await charge(member, amount))).toBe(code);
    expect(expectData(await app.gql<PointData>(POINT, {}, { token: member.token })).point.balance).toBe(0);
  });

  it("refuses a charge that would take the balance past 10,000,000,000", async () => {
    const member = await signUpMember(app);
    await Promise.all(Array.from({ length: 99 }, () => charge(member, 100_000_000)));
    expect(expectData(await charge(member, 99_999_000)).chargePoint.balance).toBe(9_999_999_000);
    const refused = await charge(member, 1001);
    expect(errorCode(refused)).toBe("BAD_USER_INPUT");
    expect(expectData(await charge(member, 1000)).chargePoint.balance).toBe(10_000_000_000);
  });

  it("needs a member", async () => {
    expect(errorCode(await app.gql(CHARGE, { amount: 10 }))).toBe("UNAUTHENTICATED");
    expect(errorCode(await app.gql(POINT))).toBe("UNAUTHENTICATED");
  });

  it("keeps every concurrent charge of one member, each answered with the balance it left in the ledger", async () => {
    const member = await signUpMember(app);
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => charge(member, i + 1)));
    const balances = answers.map((answer) => expectData(answer).chargePoint.balance);
    const point = expectData(await app.gql<PointData>(POINT, { first: 100 }, { token: member.token })).point;
    expect(point.balance).toBe((64 * 65) / 2);
    expect(point.history.totalCount).toBe(64);
    // Charges committed together are still entered one after another: oldest first, each entry's
    // balance is the one before it plus its amount, and each answer is its own charge's entry.
    const entries = [...point.history.nodes].reverse();
    entries.forEach((entry, index) =>
      expect(entry.balanceAfter).toBe((index === 0 ? 0 : entries[index - 1]!.balanceAfter) + entry.amount),
    );
    expect(balances.map((balance) => entries.find((entry) => entry.balanceAfter === balance)?.amount)).toEqual(
      answers.map((_, i) => i + 1),
    );
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });

  it("refuses, among charges made at once, exactly those that would pass the cap", async () => {
    const member = await signUpMember(app);
    await Promise.all(Array.from({ length: 99 }, () => charge(member, 100_000_000)));
    expectData(await charge(member, 99_999_900)); // 100 points below the cap
    const answers = await Promise.all(Array.from({ length: 20 }, () => charge(member, 10)));
    expect(answers.filter((answer) => errorCode(answer) === undefined)).toHaveLength(10);
    expect(answers.filter((answer) => errorCode(answer) === "BAD_USER_INPUT")).toHaveLength(10);
    expect(expectData(await app.gql<PointData>(POINT, {}, { token: member.token })).point.balance).toBe(10_000_000_000);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });

  it("charges many members at once, each wallet exact", async () => {
    const members = await Promise.all(Array.from({ length: 8 }, () => signUpMember(app)));
    await Promise.all(members.flatMap((member) => Array.from({ length: 8 }, () => charge(member, 5))));
    for (const member of members)
      expect(expectData(await app.gql<PointData>(POINT, {}, { token: member.token })).point.balance).toBe(40);
    expect(await checkInvariants(app.database.pool)).toEqual([]);
  });
});

describe("chargePoint idempotency", () => {
  it("charges once for the same key and amount, even when 10 requests race", async () => {
    const member = await signUpMember(app);
    const results = await Promise.all(Array.from({ length: 10 }, () => charge(member, 5000, "charge-key-1")));
    expect(results.map((r) => expectData(r).chargePoint.balance)).toEqual(Array(10).fill(5000));
    const point = expectData(await app.gql<PointData>(POINT, {}, { token: member.token })).point;
    expect(point.balance).toBe(5000);
    expect(point.history.totalCount).toBe(1);
  });

  it("answers a later replay with the first result, without charging again", async () => {
    const member = await signUpMember(app);
    expectData(await charge(member, 700, "k"));
    expectData(await charge(member, 300));
    expect(expectData(await charge(member, 700, "k")).chargePoint.balance).toBe(700);
    expect(expectData(await app.gql<PointData>(POINT, {}, { token: member.token })).point.balance).toBe(1000);
  });

  it("refuses the same key with another amount as CONFLICT", async () => {
    const member = await signUpMember(app);
    expectData(await charge(member, 700, "k2"));
    const reused = await charge(member, 800, "k2");
    expect(errorCode(reused)).toBe("CONFLICT");
    expect(expectData(await app.gql<PointData>(POINT, {}, { token: member.token })).point.balance).toBe(700);
  });

  it("keeps keys per member: two members may use the same key", async () => {
    const [a, b] = [await signUpMember(app), await signUpMember(app)];
    expect(expectData(await charge(a, 100, "shared")).chargePoint.balance).toBe(100);
    expect(expectData(await charge(b, 200, "shared")).chargePoint.balance).toBe(200);
  });

  it.each([
    ["empty", ""],
    ["256 characters", "k".repeat(256)],
  ])("refuses an %s key", async (_label, key) => {
    const member = await signUpMember(app);
    expect(errorCode(await charge(member, 100, key))).toBe("BAD_USER_INPUT");
  });
});

describe("idempotency keys are exact strings", () => {
  it("treats keys differing only in case or accents as different keys", async () => {
    const member = await signUpMember(app);
    expect(expectData(await charge(member, 100, "Key-A")).chargePoint.balance).toBe(100);
    expect(expectData(await charge(member, 200, "key-a")).chargePoint.balance).toBe(300);
    expect(expectData(await charge(member, 400, "caf\u00e9")).chargePoint.balance).toBe(700);
    expect(expectData(await charge(member, 800, "cafe\u0301")).chargePoint.balance).toBe(1500);
  });

  it("treats keys differing only in trailing spaces as different keys, each replayed as itself", async () => {
    const member = await signUpMember(app);
    expect(expectData(await charge(member, 100, "k")).chargePoint.balance).toBe(100);
    expect(expectData(await charge(member, 200, "k ")).chargePoint.balance).toBe(300);
    expect(expectData(await charge(member, 400, "k  ")).chargePoint.balance).toBe(700);
    // Each key replays its own first result and charges nothing more.
    expect(expectData(await charge(member, 200, "k ")).chargePoint.balance).toBe(300);
    expect(expectData(await charge(member, 100, "k")).chargePoint.balance).toBe(100);
    expect(errorCode(await charge(member, 999, "k "))).toBe("CONFLICT");
  });

  it("counts a key's length in characters: 255 emoji are a valid key", async () => {
    const member = await signUpMember(app);
    expect(expectData(await charge(member, 100, "😀".repeat(255))).chargePoint.balance).toBe(100);
    expect(errorCode(await charge(member, 100, "😀".repeat(256)))).toBe("BAD_USER_INPUT");
  });
});
