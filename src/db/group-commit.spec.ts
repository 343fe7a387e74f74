import { describe, expect, it, vi } from "vitest";
import { GroupCommit, type Outcome } from "./group-commit.js";

/** A runGroup whose groups finish only when the test says so. */
function controlledGroups() {
  const groups: number[][] = [];
  const finishers: Array<() => void> = [];
  const run = (requests: number[]): Promise<Array<Outcome<string>>> => {
    groups.push(requests);
    return new Promise((resolve) =>
      finishers.push(() =>
        resolve(
          requests.map((n) =>
            n < 0 ? { ok: false, error: new Error(`refused ${n}`) } : { ok: true, value: `done ${n}` },
          ),
        ),
      ),
    );
  };
  return { groups, finishers, run };
}

describe(GroupCommit.name, () => {
  it("runs a lone request at once, and what queues meanwhile as the next group, each with its own answer", async () => {
    const { groups, finishers, run } = controlledGroups();
    const queue = new GroupCommit(run, 10);
    const first = queue.submit(1);
    expect(groups).toEqual([[1]]); // no waiting for company
    const later = [2, -3, 4].map((n) => queue.submit(n).catch((error: unknown) => (error as Error).message));
    expect(groups).toEqual([[1]]); // one group at a time
    finishers[0]!();
    expect(await first).toBe("done 1");
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1], [2, -3, 4]]);
    finishers[1]!();
    expect(await Promise.all(later)).toEqual(["done 2", "refused -3", "done 4"]);
  });

  it("caps the group size and carries the rest over to the next group", async () => {
    const { groups, finishers, run } = controlledGroups();
    const queue = new GroupCommit(run, 2);
    const answers = [1, 2, 3, 4].map((n) => queue.submit(n));
    finishers[0]!();
    await answers[0];
    await new Promise((resolve) => setImmediate(resolve));
    finishers[1]!();
    await Promise.all(answers.slice(1, 3));
    await new Promise((resolve) => setImmediate(resolve));
    finishers[2]!();
    expect(await Promise.all(answers)).toEqual(["done 1", "done 2", "done 3", "done 4"]);
    expect(groups).toEqual([[1], [2, 3], [4]]);
  });

  it("fails every request of a group whose run throws, and keeps serving the next ones", async () => {
    let calls = 0;
    const queue = new GroupCommit<number, number>(async (requests) => {
      calls += 1;
      if (calls === 1) throw new Error("database gone");
      return requests.map((n) => ({ ok: true, value: n * 2 }));
    }, 10);
    await expect(queue.submit(1)).rejects.toThrow("database gone");
    expect(await queue.submit(2)).toBe(4);
  });

  it("answers a request its group left without an outcome with an error, not a hang", async () => {
    const queue = new GroupCommit<number, number>(async () => [], 10);
    await expect(queue.submit(1)).rejects.toThrow("no outcome");
  });

  it("sets a group still running after stuckAfterMs aside, so the requests behind it go on", async () => {
    vi.useFakeTimers();
    try {
      const { groups, finishers, run } = controlledGroups();
      const queue = new GroupCommit(run, 10, 1_000);
      const stuck = queue.submit(1);
      const second = queue.submit(2);
      expect(groups).toEqual([[1]]); // one group at a time while the first is not stuck
      await vi.advanceTimersByTimeAsync(999);
      expect(groups).toEqual([[1]]);
      await vi.advanceTimersByTimeAsync(1);
      expect(groups).toEqual([[1], [2]]); // the first is set aside: the second goes on
      finishers[1]!();
      expect(await second).toBe("done 2");
      const third = queue.submit(3);
      expect(groups).toEqual([[1], [2], [3]]); // a stuck group does not count against the one running
      finishers[2]!();
      expect(await third).toBe("done 3");
      finishers[0]!();
      expect(await stuck).toBe("done 1");
    } finally {
      vi.useRealTimers();
    }
  });
});
