import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/errors.js";
import {
  MAINTAINED_WINDOWS,
  MARKER_TTL_SECONDS,
  MAX_DAYS,
  MAX_DAYS_AHEAD,
  MAX_LIMIT,
  RankingKeys,
  UNION_CACHE_SECONDS,
  addDays,
  dailyKeyExpiresAt,
  dayOf,
  generationGuardArgs,
  generationViewOf,
  isTrackedDay,
  liveGenerations,
  memberOf,
  productIdOf,
  rank,
  reachOf,
  sourceFor,
  startOfDay,
  validateRankingQuery,
  windowDays,
  windowEndsToRecompute,
  windowKeyExpiresAt,
  secondsUntil,
  windowsCounting,
  type Ranked,
} from "./ranking.rules.js";
import { thrown } from "../../../test/helpers/thrown.js";

const SEOUL = "Asia/Seoul";
const NEW_YORK = "America/New_York";
const SANTIAGO = "America/Santiago";

const at = (iso: string): Date => new Date(iso);
const utcMidnightSeconds = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 1000;

/** A Redis SCAN MATCH glob (only `*` and `?` used) as an anchored regular expression. */
const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );

describe("constants", () => {
  it("keeps markers one day past the longest window", () => {
    expect(MARKER_TTL_SECONDS).toBe((MAX_DAYS + 1) * 86_400);
  });

  it("maintains only windows a query may ask for, and caches unions briefly", () => {
    for (const days of MAINTAINED_WINDOWS) expect(days).toBeGreaterThan(1);
    for (const days of MAINTAINED_WINDOWS) expect(days).toBeLessThanOrEqual(MAX_DAYS);
    expect(UNION_CACHE_SECONDS).toBeGreaterThan(0);
  });
});

describe(validateRankingQuery.name, () => {
  it.each([
    [1, 1],
    [MAX_DAYS, MAX_LIMIT],
    [3, 10],
  ])("accepts days %d and limit %d, returning them", (days, limit) => {
    expect(validateRankingQuery(days, limit)).toEqual({ days, limit });
  });

  it.each([0, MAX_DAYS + 1, 1.5, -1, NaN, Infinity])("refuses days %d", (days) => {
    const error = thrown(() => validateRankingQuery(days, 10));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "days" });
    expect(error.message).toBe(`days must be from 1 to ${MAX_DAYS}`);
  });

  it.each([0, MAX_LIMIT + 1, 2.5, -1, NaN, Infinity])("refuses limit %d", (limit) => {
    const error = thrown(() => validateRankingQuery(3, limit));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "limit" });
    expect(error.message).toBe(`limit must be from 1 to ${MAX_LIMIT}`);
  });

  it("names days first when both are bad", () => {
    expect(thrown(() => validateRankingQuery(0, 0)).details).toEqual({ field: "days" });
  });

  it("pins the bounds at 7 days and 20 products", () => {
    expect([MAX_DAYS, MAX_LIMIT]).toEqual([7, 20]);
  });
});

describe(dayOf.name, () => {
  it.each([
    ["2026-11-24T14:59:59.999Z", SEOUL, "2026-11-24"],
    ["2026-11-24T15:00:00.000Z", SEOUL, "2026-11-25"],
    ["2026-11-24T00:00:00.000Z", "UTC", "2026-11-24"],
    ["2026-11-24T23:59:59.999Z", "UTC", "2026-11-24"],
    ["2026-11-25T04:59:59.999Z", NEW_YORK, "2026-11-24"],
    ["2026-11-25T05:00:00.000Z", NEW_YORK, "2026-11-25"],
    ["2026-07-01T03:59:59.999Z", NEW_YORK, "2026-06-30"],
    ["2026-07-01T04:00:00.000Z", NEW_YORK, "2026-07-01"],
    ["2026-12-31T15:00:00.000Z", SEOUL, "2027-01-01"],
  ])("puts %s on the day of %s as %s", (instant, timeZone, day) => {
    expect(dayOf(at(instant), timeZone)).toBe(day);
  });

  it("writes the day as YYYY-MM-DD, zero padded", () => {
    expect(dayOf(at("2026-01-05T12:00:00Z"), "UTC")).toBe("2026-01-05");
  });
});

describe(addDays.name, () => {
  it.each([
    ["2026-11-24", 0, "2026-11-24"],
    ["2026-11-24", 1, "2026-11-25"],
    ["2026-11-30", 1, "2026-12-01"],
    ["2026-12-31", 1, "2027-01-01"],
    ["2028-02-28", 1, "2028-02-29"],
    ["2028-02-29", 1, "2028-03-01"],
    ["2026-02-28", 1, "2026-03-01"],
    ["2026-03-01", -1, "2026-02-28"],
    ["2028-03-01", -1, "2028-02-29"],
    ["2027-01-01", -1, "2026-12-31"],
    ["2026-11-24", -6, "2026-11-18"],
    ["2026-11-24", 9, "2026-12-03"],
    ["2026-01-01", 365, "2027-01-01"],
  ])("moves %s by %d days to %s", (day, days, expected) => {
    expect(addDays(day, days)).toBe(expected);
  });
});

describe(windowDays.name, () => {
  it("lists the days ending today, oldest first", () => {
    expect(windowDays("2026-11-24", 3)).toEqual(["2026-11-22", "2026-11-23", "2026-11-24"]);
  });

  it("is just today for one day", () => {
    expect(windowDays("2026-11-24", 1)).toEqual(["2026-11-24"]);
  });

  it("crosses a month and year end", () => {
    expect(windowDays("2027-01-02", MAX_DAYS)).toEqual([
      "2026-12-27",
      "2026-12-28",
      "2026-12-29",
      "2026-12-30",
      "2026-12-31",
      "2027-01-01",
      "2027-01-02",
    ]);
  });
});

describe(startOfDay.name, () => {
  it.each([
    ["2026-11-25", SEOUL, "2026-11-24T15:00:00.000Z"],
    ["2026-03-08", SEOUL, "2026-03-07T15:00:00.000Z"],
    ["2026-07-01", SEOUL, "2026-06-30T15:00:00.000Z"],
    ["2026-11-24", "UTC", "2026-11-24T00:00:00.000Z"],
    ["2026-03-07", NEW_YORK, "2026-03-07T05:00:00.000Z"],
    ["2026-03-08", NEW_YORK, "2026-03-08T05:00:00.000Z"],
    ["2026-03-09", NEW_YORK, "2026-03-09T04:00:00.000Z"],
    ["2026-10-31", NEW_YORK, "2026-10-31T04:00:00.000Z"],
    ["2026-11-01", NEW_YORK, "2026-11-01T04:00:00.000Z"],
    ["2026-11-02", NEW_YORK, "2026-11-02T05:00:00.000Z"],
    // Chile springs forward at midnight itself (00:00 -04 becomes 01:00 -03): the day starts then.
    ["2026-09-06", SANTIAGO, "2026-09-06T04:00:00.000Z"],
    ["2026-09-07", SANTIAGO, "2026-09-07T03:00:00.000Z"],
  ])("starts %s in %s at %s", (day, timeZone, expected) => {
    expect(startOfDay(day, timeZone).toISOString()).toBe(expected);
  });

  it.each([
    ["2026-11-25", SEOUL],
    ["2026-11-24", "UTC"],
    ["2026-03-08", NEW_YORK],
    ["2026-03-09", NEW_YORK],
    ["2026-11-01", NEW_YORK],
    ["2026-11-02", NEW_YORK],
    ["2026-09-06", SANTIAGO],
    ["2026-03-29", "Atlantic/Azores"],
    ["2026-03-08", "America/Havana"],
    ["2026-03-29", "Asia/Beirut"],
    ["2026-03-29", "Europe/London"],
    ["2026-04-05", "Australia/Lord_Howe"],
    ["2026-03-08", "Asia/Kathmandu"],
  ])("starts %s in %s on that day, one millisecond after the day before", (day, timeZone) => {
    const start = startOfDay(day, timeZone);
    expect(dayOf(start, timeZone)).toBe(day);
    expect(dayOf(new Date(start.getTime() - 1), timeZone)).toBe(addDays(day, -1));
  });
});

describe(isTrackedDay.name, () => {
  const today = "2026-11-24";

  it.each([
    ["today", today],
    ["yesterday", addDays(today, -1)],
    [`today - ${MAX_DAYS - 1}, the oldest day of the longest window`, addDays(today, -(MAX_DAYS - 1))],
    ["tomorrow, an API host's day when its clock has passed midnight before the worker's", addDays(today, 1)],
  ])("tracks %s", (_, day) => {
    expect(isTrackedDay(day, today)).toBe(true);
  });

  it.each([
    [`today - ${MAX_DAYS}`, addDays(today, -MAX_DAYS)],
    ["the day after tomorrow", addDays(today, 2)],
    ["a year ago", "2025-11-24"],
  ])("does not track %s", (_, day) => {
    expect(isTrackedDay(day, today)).toBe(false);
  });

  it("compares across a year end", () => {
    expect(isTrackedDay("2026-12-28", "2027-01-02")).toBe(true);
    expect(isTrackedDay("2026-12-26", "2027-01-02")).toBe(false);
    expect(isTrackedDay("2027-01-01", "2026-12-31")).toBe(true);
  });
});

describe(reachOf.name, () => {
  const today = "2026-11-24";

  it("tells a day too old to matter from one too far ahead to count yet", () => {
    expect(reachOf(addDays(today, -MAX_DAYS), today)).toBe("past");
    expect(reachOf(addDays(today, -(MAX_DAYS - 1)), today)).toBe("tracked");
    expect(reachOf(addDays(today, MAX_DAYS_AHEAD), today)).toBe("tracked");
    expect(reachOf(addDays(today, MAX_DAYS_AHEAD + 1), today)).toBe("ahead");
  });

  it("counts a day ahead once the worker's day comes within reach of it", () => {
    const day = addDays(today, MAX_DAYS_AHEAD + 1);
    expect(reachOf(day, today)).toBe("ahead");
    expect(reachOf(day, addDays(today, 1))).toBe("tracked");
  });

  it("keeps ahead across a month and a year end", () => {
    expect(reachOf("2027-01-01", "2026-12-31")).toBe("tracked");
    expect(reachOf("2027-01-02", "2026-12-31")).toBe("ahead");
    expect(reachOf("2026-03-01", "2026-02-28")).toBe("tracked");
  });
});

describe(windowEndsToRecompute.name, () => {
  it("recomputes the 3-day windows ending from yesterday to the last one holding tomorrow", () => {
    expect(windowEndsToRecompute("2026-11-24", 3)).toEqual([
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
      "2026-11-26",
      "2026-11-27",
    ]);
  });

  it("covers every window a tracked day ahead counts toward", () => {
    const today = "2026-12-30";
    const ends = windowEndsToRecompute(today, 3);
    for (let ahead = 0; ahead <= MAX_DAYS_AHEAD; ahead += 1) {
      for (const window of windowsCounting(addDays(today, ahead))) expect(ends).toContain(window.end);
    }
    expect(ends.at(-1)).toBe("2027-01-02");
  });
});

describe(windowsCounting.name, () => {
  it("counts an event toward the 3-day windows ending on its day and the two days after", () => {
    expect(windowsCounting("2026-11-24")).toEqual([
      { days: 3, end: "2026-11-24" },
      { days: 3, end: "2026-11-25" },
      { days: 3, end: "2026-11-26" },
    ]);
  });

  it("lists exactly the windows whose days include the event's day", () => {
    const day = "2026-12-31";
    for (const { days, end } of windowsCounting(day)) expect(windowDays(end, days)).toContain(day);
    expect(windowsCounting(day).map((window) => window.end)).toEqual(["2026-12-31", "2027-01-01", "2027-01-02"]);
  });
});

describe("key expiry", () => {
  it("lets a daily key go at UTC midnight of its day + 9", () => {
    expect(dailyKeyExpiresAt("2026-11-24")).toBe(utcMidnightSeconds("2026-12-03"));
    expect(dailyKeyExpiresAt("2026-11-24")).toBe(1_796_256_000);
  });

  it("lets a window key go at UTC midnight of its end + 2", () => {
    expect(windowKeyExpiresAt("2026-11-24")).toBe(utcMidnightSeconds("2026-11-26"));
    expect(windowKeyExpiresAt("2026-12-30")).toBe(utcMidnightSeconds("2027-01-01"));
  });

  it("keeps a daily key past every window, maintained or not, that can include it", () => {
    const day = "2026-11-24";
    for (let days = 1; days <= MAX_DAYS; days += 1) {
      for (let index = 0; index < days; index += 1) {
        const end = addDays(day, index);
        expect(windowDays(end, days)).toContain(day);
        expect(dailyKeyExpiresAt(day)).toBeGreaterThan(windowKeyExpiresAt(end));
      }
    }
  });

  it("keeps a daily key until its day has left every window, in any time zone", () => {
    // The last window holding `day` ends on day + MAX_DAYS - 1; that day is over everywhere 14 h after its UTC end.
    const lastEnd = startOfDay(addDays("2026-11-24", MAX_DAYS), "Etc/GMT+12").getTime() / 1000;
    expect(dailyKeyExpiresAt("2026-11-24")).toBeGreaterThan(lastEnd);
  });
});

describe("key TTLs", () => {
  it("counts the seconds left until an expiry on the service's clock", () => {
    const now = new Date("2026-11-24T00:00:00.500Z");
    expect(secondsUntil(utcMidnightSeconds("2026-11-25"), now)).toBe(86_400);
    expect(secondsUntil(dailyKeyExpiresAt("2026-11-24"), now)).toBe(9 * 86_400);
  });

  it("never answers less than one second, since EXPIRE 0 or below deletes the key", () => {
    const now = new Date("2026-11-24T00:00:00Z");
    expect(secondsUntil(utcMidnightSeconds("2026-11-24"), now)).toBe(1);
    expect(secondsUntil(utcMidnightSeconds("2026-11-20"), now)).toBe(1);
  });
});

describe("members", () => {
  it("zero pads a product id to 16 characters", () => {
    expect(memberOf(42)).toBe("0000000000000042");
    expect(memberOf(1)).toHaveLength(16);
    expect(memberOf(Number.MAX_SAFE_INTEGER)).toBe("9007199254740991");
  });

  it("sorts members as text the way product ids sort as numbers", () => {
    const ids = [100, 9, 10, 1, 99, 1_000_000];
    const members = ids.map(memberOf).sort();
    expect(members.map(productIdOf)).toEqual([1, 9, 10, 99, 100, 1_000_000]);
  });

  it.each([1, 9, 10, 100, 123_456_789, Number.MAX_SAFE_INTEGER])("round-trips product id %d", (productId) => {
    expect(productIdOf(memberOf(productId))).toBe(productId);
  });
});

describe(RankingKeys.name, () => {
  const prefix = "shop:test";
  const keys = new RankingKeys(prefix);
  const all = (k: RankingKeys): string[] => [
    k.daily("2026-11-24"),
    k.daily("2026-11-25"),
    k.window(3, "2026-11-24"),
    k.window(3, "2026-11-25"),
    k.window(4, "2026-11-24"),
    k.union(2, "2026-11-24"),
    k.union(2, "2026-11-25"),
    k.union(4, "2026-11-24"),
    k.paidMarker(1),
    k.paidMarker(2),
    k.cancelMarker(1),
    k.cancelMarker(2),
    k.built(),
    k.rebuildLock(),
  ];

  it("names each key under the prefix and the {ranking} hash tag", () => {
    expect(keys.daily("2026-11-24")).toBe("shop:test:{ranking}:daily:2026-11-24");
    expect(keys.window(3, "2026-11-24")).toBe("shop:test:{ranking}:w3:2026-11-24");
    expect(keys.union(4, "2026-11-24")).toBe("shop:test:{ranking}:u4:2026-11-24");
    expect(keys.paidMarker(7)).toBe("shop:test:{ranking}:seen:paid:7");
    expect(keys.cancelMarker(7)).toBe("shop:test:{ranking}:seen:cancel:7");
    expect(keys.built()).toBe("shop:test:{ranking}:built");
    expect(keys.rebuildLock()).toBe("shop:test:{ranking}:rebuild-lock");
  });

  it("puts every key on one cluster slot: the {ranking} tag once, the only braces", () => {
    for (const key of all(keys)) {
      expect(key.startsWith(`${prefix}:`)).toBe(true);
      expect(key.split("{ranking}")).toHaveLength(2);
      expect(key.match(/[{}]/g)).toEqual(["{", "}"]);
    }
  });

  it("gives distinct inputs distinct keys", () => {
    const names = all(keys);
    expect(new Set(names).size).toBe(names.length);
  });

  it("keeps a paid marker apart from a cancel marker of the same id", () => {
    expect(keys.paidMarker(5)).not.toBe(keys.cancelMarker(5));
  });

  it("matches every key with its pattern, and none of another prefix", () => {
    const pattern = globToRegExp(keys.pattern());
    expect(keys.pattern()).toBe("shop:test:{ranking}:*");
    for (const key of [...all(keys), ...all(keys.inGeneration(4)), ...control(keys)]) expect(key).toMatch(pattern);
    for (const key of all(new RankingKeys("other"))) expect(key).not.toMatch(pattern);
    expect("shop:test:cart:1").not.toMatch(pattern);
  });

  const control = (k: RankingKeys): string[] => [k.current(), k.building(), k.sequence(), k.rebuildLock()];

  it("puts the counts and markers of a later generation under its number, the control keys under none", () => {
    const g12 = keys.inGeneration(12);
    expect(g12.generation).toBe(12);
    expect(g12.daily("2026-11-24")).toBe("shop:test:{ranking}:g12:daily:2026-11-24");
    expect(g12.window(3, "2026-11-24")).toBe("shop:test:{ranking}:g12:w3:2026-11-24");
    expect(g12.union(4, "2026-11-24")).toBe("shop:test:{ranking}:g12:u4:2026-11-24");
    expect(g12.paidMarker(7)).toBe("shop:test:{ranking}:g12:seen:paid:7");
    expect(g12.cancelMarker(7)).toBe("shop:test:{ranking}:g12:seen:cancel:7");
    expect(g12.built()).toBe("shop:test:{ranking}:g12:built");
    expect(control(g12)).toEqual(control(keys));
    expect(control(keys)).toEqual([
      "shop:test:{ranking}:generation",
      "shop:test:{ranking}:generation:building",
      "shop:test:{ranking}:generation:seq",
      "shop:test:{ranking}:rebuild-lock",
    ]);
  });

  it("keeps generation 0 on the names keys had before generations, apart from every other generation", () => {
    expect(keys.generation).toBe(0);
    expect(keys.inGeneration(0).daily("2026-11-24")).toBe(keys.daily("2026-11-24"));
    const counted = (k: RankingKeys) => all(k).filter((key) => key !== k.rebuildLock());
    const names = [
      ...counted(keys),
      ...counted(keys.inGeneration(1)),
      ...counted(keys.inGeneration(11)),
      ...control(keys),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([0, 1, 9, 10, 123])(
    "tells the generation of every key of generation %d, and none of a control key",
    (generation) => {
      const k = keys.inGeneration(generation);
      for (const key of all(k).filter((name) => name !== k.rebuildLock())) expect(k.generationOf(key)).toBe(generation);
      for (const key of control(k)) expect(k.generationOf(key)).toBeNull();
    },
  );
});

describe(generationViewOf.name, () => {
  it("reads absent keys as generation 0 and no build", () => {
    expect(generationViewOf(null, null)).toEqual({ current: 0, building: null });
  });

  it("reads the numbers Redis holds", () => {
    expect(generationViewOf("3", "4")).toEqual({ current: 3, building: 4 });
    expect(generationViewOf(null, "1")).toEqual({ current: 0, building: 1 });
  });
});

describe(liveGenerations.name, () => {
  it("counts live events into the current generation, and into the one being built while there is one", () => {
    expect(liveGenerations({ current: 3, building: null })).toEqual([3]);
    expect(liveGenerations({ current: 3, building: 4 })).toEqual([3, 4]);
  });
});

describe(generationGuardArgs.name, () => {
  it("tells a script the values the generation keys must hold, '' for no build", () => {
    expect(generationGuardArgs({ current: 0, building: null })).toEqual(["0", ""]);
    expect(generationGuardArgs({ current: 3, building: 4 })).toEqual(["3", "4"]);
  });
});

describe(sourceFor.name, () => {
  const keys = new RankingKeys("p");
  const today = "2026-11-24";

  it("reads one day from today's daily key", () => {
    expect(sourceFor(keys, 1, today)).toEqual({ kind: "single", key: keys.daily(today) });
  });

  it.each(MAINTAINED_WINDOWS)("reads %d days from the maintained window key", (days) => {
    expect(sourceFor(keys, days, today)).toEqual({ kind: "single", key: keys.window(days, today) });
  });

  it.each([2, 4, 5, 6, 7])("unions the daily keys of %d days, oldest first", (days) => {
    const source = sourceFor(keys, days, today);
    expect(source).toEqual({
      kind: "union",
      key: keys.union(days, today),
      dailies: windowDays(today, days).map((day) => keys.daily(day)),
    });
  });

  it("names the right days for a union across a month end", () => {
    expect(sourceFor(keys, 4, "2026-12-02")).toEqual({
      kind: "union",
      key: "p:{ranking}:u4:2026-12-02",
      dailies: [
        "p:{ranking}:daily:2026-11-29",
        "p:{ranking}:daily:2026-11-30",
        "p:{ranking}:daily:2026-12-01",
        "p:{ranking}:daily:2026-12-02",
      ],
    });
    expect(sourceFor(keys, 2, today)).toEqual({
      kind: "union",
      key: "p:{ranking}:u2:2026-11-24",
      dailies: ["p:{ranking}:daily:2026-11-23", "p:{ranking}:daily:2026-11-24"],
    });
  });

  it("unions all seven days of the longest window", () => {
    const source = sourceFor(keys, MAX_DAYS, today);
    expect(source.kind === "union" && source.dailies).toEqual([
      "p:{ranking}:daily:2026-11-18",
      "p:{ranking}:daily:2026-11-19",
      "p:{ranking}:daily:2026-11-20",
      "p:{ranking}:daily:2026-11-21",
      "p:{ranking}:daily:2026-11-22",
      "p:{ranking}:daily:2026-11-23",
      "p:{ranking}:daily:2026-11-24",
    ]);
  });
});

describe(rank.name, () => {
  const entry = (productId: number, soldQuantity: number): Ranked => ({ productId, soldQuantity });

  it("orders by quantity sold, highest first", () => {
    expect(rank([entry(1, 5), entry(2, 9), entry(3, 7)], 10)).toEqual([entry(2, 9), entry(3, 7), entry(1, 5)]);
  });

  it("breaks ties by product id, ascending and numerically", () => {
    expect(rank([entry(100, 4), entry(10, 4), entry(9, 4), entry(1, 8)], 10)).toEqual([
      entry(1, 8),
      entry(9, 4),
      entry(10, 4),
      entry(100, 4),
    ]);
  });

  it("drops products that sold nothing or less than nothing", () => {
    expect(rank([entry(1, 0), entry(2, 3), entry(3, -2)], 10)).toEqual([entry(2, 3)]);
  });

  it.each([
    [1, [entry(2, 9)]],
    [2, [entry(2, 9), entry(3, 7)]],
    [MAX_LIMIT, [entry(2, 9), entry(3, 7), entry(1, 5)]],
  ])("keeps at most %d", (limit, expected) => {
    expect(rank([entry(1, 5), entry(2, 9), entry(3, 7)], limit)).toEqual(expected);
  });

  it("answers an empty list with an empty list", () => {
    expect(rank([], 5)).toEqual([]);
  });

  it("leaves the given entries as they were", () => {
    const given = [entry(1, 1), entry(2, 2), entry(3, 0)];
    rank(given, 10);
    expect(given).toEqual([entry(1, 1), entry(2, 2), entry(3, 0)]);
  });
});
