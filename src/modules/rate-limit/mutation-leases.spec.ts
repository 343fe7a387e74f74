import { describe, expect, it } from "vitest";
import { MutationLeases } from "./mutation-leases.js";

const LEASE_MS = 1_000;
const MEMBER = 7;

/** A bucket of `tokens` that grants as TAKE_TOKEN does: at least the cost, up to `upTo`, or nothing. */
function bucket(tokens: number) {
  return {
    left: tokens,
    asked: 0,
    take(cost: number, upTo: number): number | null {
      this.asked += 1;
      if (this.left < cost) return null;
      const taken = Math.min(upTo, this.left);
      this.left -= taken;
      return taken;
    },
  };
}

/** One request of `count` mutations through the leases and the bucket; whether it passed. */
function request(leases: MutationLeases, shared: ReturnType<typeof bucket>, count: number, now: number): boolean {
  const withdrawal = leases.withdraw(MEMBER, count, now);
  if (withdrawal === null) return true;
  const taken = shared.take(withdrawal.cost, withdrawal.upTo);
  if (taken === null) {
    leases.giveBack(MEMBER, withdrawal, now);
    return false;
  }
  leases.deposit(MEMBER, count, withdrawal, taken, now);
  return true;
}

describe(MutationLeases.name, () => {
  it("asks the bucket for one token first, then leases that double while the member keeps coming", () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    const shared = bucket(1_000);
    const asks: number[] = [];
    for (let i = 0; i < 31; i += 1) {
      const before = shared.asked;
      expect(request(leases, shared, 1, 0)).toBe(true);
      if (shared.asked > before) asks.push(i);
    }
    // Leases of 1, 2, 4, 8, 8, 8: the bucket asked on the 1st, 2nd, 4th, 8th, 16th and 24th mutation.
    expect(asks).toEqual([0, 1, 3, 7, 15, 23]);
    expect(1_000 - shared.left).toBe(31);
  });

  it("never lets more through than the bucket holds, whatever the sizes of the requests", () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    const shared = bucket(20);
    let passed = 0;
    for (const count of [1, 3, 1, 5, 2, 4, 1, 1, 3, 2, 1, 5, 1]) if (request(leases, shared, count, 0)) passed += count;
    expect(passed).toBeLessThanOrEqual(20);
    expect(passed + shared.left).toBeLessThanOrEqual(20);
  });

  it("hands what it holds to a request that needs more, and takes it back when the bucket refuses", () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    const shared = bucket(4);
    expect(request(leases, shared, 1, 0)).toBe(true); // lease of 1: 3 left
    expect(request(leases, shared, 1, 0)).toBe(true); // lease of 2: 1 left in the bucket, 1 held
    const withdrawal = leases.withdraw(MEMBER, 3, 0)!;
    expect(withdrawal).toMatchObject({ held: 1, cost: 2 });
    expect(shared.take(withdrawal.cost, withdrawal.upTo)).toBeNull();
    leases.giveBack(MEMBER, withdrawal, 0);
    // The token held is still there, for a request it covers, without asking the bucket.
    const asked = shared.asked;
    expect(request(leases, shared, 1, 0)).toBe(true);
    expect(shared.asked).toBe(asked);
  });

  it("lets a lease lapse after its time: its tokens are not used, and the next lease is one token again", () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    const shared = bucket(100);
    for (let i = 0; i < 3; i += 1) request(leases, shared, 1, 0); // leases of 1 and 2, then one held
    const asked = shared.asked;
    expect(leases.withdraw(MEMBER, 1, LEASE_MS)).toEqual({ held: 0, cost: 1, upTo: 1, size: 1 });
    expect(shared.asked).toBe(asked);
  });

  it("gives nothing back to a lease that lapsed meanwhile", () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    const shared = bucket(100);
    request(leases, shared, 1, 0);
    request(leases, shared, 1, 0); // one held
    const withdrawal = leases.withdraw(MEMBER, 5, 0)!;
    leases.giveBack(MEMBER, withdrawal, LEASE_MS);
    expect(leases.withdraw(MEMBER, 1, LEASE_MS)).toMatchObject({ held: 0 });
  });

  it("lets one of the requests arriving together ask for a lease, the others for what they need", () => {
    const leases = new MutationLeases(LEASE_MS, 32);
    const shared = bucket(1_000);
    for (let i = 0; i < 15; i += 1) request(leases, shared, 1, 0); // leases of 1, 2, 4 and 8, all used
    const together = Array.from({ length: 20 }, () => leases.withdraw(MEMBER, 1, 0)!);
    expect(together.map((withdrawal) => withdrawal.upTo)).toEqual([16, ...Array<number>(19).fill(1)]);
    for (const withdrawal of together)
      leases.deposit(MEMBER, 1, withdrawal, shared.take(withdrawal.cost, withdrawal.upTo)!, 0);
    // One lease of 16 and 19 single tokens: 15 tokens held, none taken for nothing.
    expect(1_000 - shared.left).toBe(15 + 16 + 19);
    const asked = shared.asked;
    for (let i = 0; i < 15; i += 1) expect(request(leases, shared, 1, 0)).toBe(true);
    expect(shared.asked).toBe(asked);
  });

  it("has requests arriving while a lease is asked for wait for it, and cover them from it when it is granted", async () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    const shared = bucket(1_000);
    request(leases, shared, 1, 0); // a lease of 1, used: the next ask is for 2
    expect(leases.leaseAsked(MEMBER, 1, 0)).toBeNull(); // nothing in flight
    const asking = leases.withdraw(MEMBER, 1, 0)!;
    expect(asking).toMatchObject({ cost: 1, upTo: 2 });
    const answer = leases.leaseAsked(MEMBER, 1, 0)!;
    expect(answer).not.toBeNull();
    leases.deposit(MEMBER, 1, asking, shared.take(asking.cost, asking.upTo)!, 0);
    expect(await answer).toBe(true);
    // The waiter is covered by the lease's spare token, without asking the bucket.
    expect(leases.leaseAsked(MEMBER, 1, 0)).toBeNull();
    expect(leases.withdraw(MEMBER, 1, 0)).toBeNull();
    expect(shared.asked).toBe(2);
  });

  it("tells the requests waiting for a lease that the bucket refused it, so they ask for themselves", async () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    request(leases, bucket(1), 1, 0);
    const asking = leases.withdraw(MEMBER, 1, 0)!;
    const answer = leases.leaseAsked(MEMBER, 1, 0)!;
    leases.giveBack(MEMBER, asking, 0);
    expect(await answer).toBe(false);
    expect(leases.leaseAsked(MEMBER, 1, 0)).toBeNull();
  });

  it("does not have a request wait for an ask that brings nothing spare (a first lease of one token)", () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    expect(leases.withdraw(MEMBER, 1, 0)).toMatchObject({ upTo: 1, size: 1 });
    expect(leases.leaseAsked(MEMBER, 1, 0)).toBeNull();
  });

  it("keeps the newer ask in flight when an older one, whose lease lapsed meanwhile, is answered", () => {
    const leases = new MutationLeases(LEASE_MS, 8);
    const shared = bucket(100);
    request(leases, shared, 1, 0);
    const older = leases.withdraw(MEMBER, 1, 0)!; // asks for 2
    request(leases, shared, 1, LEASE_MS); // the lease lapsed: a first lease of 1 again
    const newer = leases.withdraw(MEMBER, 1, LEASE_MS)!; // asks for 2
    expect(newer.ask).toBeDefined();
    leases.deposit(MEMBER, 1, older, shared.take(older.cost, older.upTo)!, LEASE_MS);
    expect(leases.leaseAsked(MEMBER, 5, LEASE_MS)).toBe(newer.ask!.answer);
  });

  it("with leases off (0 ms), asks the bucket for exactly what each request needs", () => {
    const leases = new MutationLeases(0, 1);
    const shared = bucket(100);
    for (let i = 0; i < 5; i += 1) expect(request(leases, shared, 2, i)).toBe(true);
    expect(shared.asked).toBe(5);
    expect(shared.left).toBe(90);
  });
});
