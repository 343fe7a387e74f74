import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { DataPlatformError } from "../modules/data-platform/data-platform.client.js";
import { UncountableEventError } from "../modules/ranking/ranking.store.js";
import { orderEvent, type OrderEvent } from "../outbox/order-event.js";
import { countAll, deliverAll } from "./event-workers.js";
import type { QueuedEvent } from "./queues.js";

/** Event number `n`: its event id ends in n. */
const queued = (n: number): QueuedEvent => {
  const order = { id: n, memberId: 1, totalAmount: 100, createdAt: new Date("2026-11-24T03:00:00Z"), items: [] };
  return {
    event: orderEvent("ORDER_PAID", `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, order.createdAt, order),
  };
};
/** The numbers of the events confirmed. */
const numbersOf = (entries: readonly QueuedEvent[]) => entries.map((entry) => Number(entry.event.eventId.slice(-12)));

/** A platform answering per event id: delivered, or the error given. */
function platform(answers: Record<number, Error | "ok">) {
  const sent: string[] = [];
  return {
    sent,
    send: async (event: OrderEvent) => {
      sent.push(event.eventId);
      const answer = answers[Number(event.eventId.slice(-12))];
      if (answer instanceof Error) throw answer;
    },
  };
}

const unavailable = () => new DataPlatformError("the data platform answered 503", 503, true);
const malformed = () => new DataPlatformError("the data platform answered 400", 400, false);

async function run(answers: Record<number, Error | "ok">, ids: number[]) {
  const confirmed: number[][] = [];
  const target = platform(answers);
  const outcome = await deliverAll(
    target,
    ids.map(queued),
    async (entries) => void confirmed.push(numbersOf(entries)),
  ).then(
    () => null,
    (error: unknown) => error,
  );
  return { outcome, confirmed, sent: target.sent.length };
}

describe(deliverAll.name, () => {
  it("confirms every event the platform took, in one confirmation", async () => {
    expect(await run({ 1: "ok", 2: "ok" }, [1, 2])).toEqual({ outcome: null, confirmed: [[1, 2]], sent: 2 });
  });

  it("confirms what got through before failing the job for the rest", async () => {
    const { outcome, confirmed, sent } = await run({ 1: "ok", 2: unavailable() }, [1, 2]);
    expect(sent).toBe(2);
    expect(confirmed).toEqual([[1]]);
    expect(outcome).toBeInstanceOf(DataPlatformError);
    expect(outcome).not.toBeInstanceOf(UnrecoverableError);
  });

  it("keeps only the events still owed in the job, so that its retry sends those alone", async () => {
    const kept: number[][] = [];
    const target = platform({ 1: "ok", 2: unavailable(), 3: "ok", 4: malformed() });
    const outcome = await deliverAll(
      target,
      [1, 2, 3, 4].map(queued),
      async () => undefined,
      async (owed) => void kept.push(numbersOf(owed)),
    ).catch((error: unknown) => error);
    expect(kept).toEqual([[2, 4]]);
    expect(outcome).toBeInstanceOf(DataPlatformError);
  });

  it("fails the attempt as it would have when keeping the owed events fails (the retry sends them all)", async () => {
    const outcome = await deliverAll(
      platform({ 1: "ok", 2: unavailable() }),
      [1, 2].map(queued),
      async () => undefined,
      () => Promise.reject(new Error("Redis unreachable")),
    ).catch((error: unknown) => error);
    expect((outcome as Error).message).toBe("the data platform answered 503");
  });

  it("keeps the job as it is when nothing got through", async () => {
    const kept: number[][] = [];
    await deliverAll(
      platform({ 1: unavailable() }),
      [queued(1)],
      async () => undefined,
      async (owed) => void kept.push(numbersOf(owed)),
    ).catch(() => undefined);
    expect(kept).toEqual([]);
  });

  it("gives a refusal no retry can help up at once, as unrecoverable", async () => {
    const { outcome, confirmed } = await run({ 1: malformed() }, [1]);
    expect(confirmed).toEqual([[]]);
    expect(outcome).toBeInstanceOf(UnrecoverableError);
    expect((outcome as Error).message).toBe("the data platform answered 400");
  });

  it("keeps retrying when any failure might pass", async () => {
    const { outcome } = await run({ 1: malformed(), 2: unavailable() }, [1, 2]);
    expect(outcome).not.toBeInstanceOf(UnrecoverableError);
  });

  it("retries an error that is not the platform's answer (a bug, a timeout)", async () => {
    const { outcome } = await run({ 1: new Error("socket hang up") }, [1]);
    expect(outcome).not.toBeInstanceOf(UnrecoverableError);
    expect((outcome as Error).message).toBe("socket hang up");
  });
});

describe(countAll.name, () => {
  /** countAll over events 1..n with a ranking whose applyEvents answers `answer`. */
  async function count(answer: () => Promise<number>, ids: number[]) {
    const confirmed: number[][] = [];
    const outcome = await countAll({ applyEvents: answer }, ids.map(queued), async (entries) => {
      confirmed.push(numbersOf(entries));
    }).then(
      (applied) => applied,
      (error: unknown) => error,
    );
    return { outcome, confirmed };
  }
  const eventIdOf = (n: number) => queued(n).event.eventId;

  it("confirms every event once they are counted", async () => {
    expect(await count(async () => 2, [1, 2])).toEqual({ outcome: 2, confirmed: [[1, 2]] });
  });

  it("confirms the others, then gives up at once on events no retry can count", async () => {
    const { outcome, confirmed } = await count(async () => {
      throw new UncountableEventError([eventIdOf(2)], "event 2 cancels item 7, which its order does not hold");
    }, [1, 2, 3]);
    expect(confirmed).toEqual([[1, 3]]);
    expect(outcome).toBeInstanceOf(UnrecoverableError);
    expect((outcome as Error).message).toBe("event 2 cancels item 7, which its order does not hold");
  });

  it("confirms nothing and retries on any other failure (Redis down, an event dated ahead)", async () => {
    const failure = new Error("Connection is closed.");
    const { outcome, confirmed } = await count(async () => {
      throw failure;
    }, [1, 2]);
    expect(confirmed).toEqual([]);
    expect(outcome).toBe(failure);
    expect(outcome).not.toBeInstanceOf(UnrecoverableError);
  });
});
