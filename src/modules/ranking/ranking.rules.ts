import { badUserInput } from "../../shared/errors.js";
import { present } from "../../shared/present.js";

/**
 * Days and keys of the popular-products ranking. A "day" is a calendar day in RANKING_TIMEZONE,
 * written YYYY-MM-DD; all keys of the ranking share the `{ranking}` hash tag so multi-key commands
 * (the Lua scripts, ZUNIONSTORE) stay on one Redis Cluster slot.
 */
export const MAX_DAYS = 7;
export const MAX_LIMIT = 20;
/**
 * Windows kept ready by the event script: the seed's "last 3 days" is read with one ZREVRANGE.
 *
 * Why (bench/ranking.bench.ts, 100,000 products, 2-core machine, events streaming meanwhile): the
 * maintained key answers in 0.12 ms at p50, a ZUNIONSTORE of the three daily keys per request takes
 * 253 ms and blocks Redis (the queue too) for all of it. Keeping the window costs three ZINCRBYs
 * more per order line in the worker's script, and nothing has to be rebuilt at midnight. Other
 * windows (2, 4..7 days) are rare: they are unions, at most one per window per UNION_CACHE_SECONDS
 * (about 210 ms of Redis at 100,000 products, 27 ms at 10,000); maintaining them too would cost 27
 * ZINCRBYs per line and a sorted set per window and day.
 */
export const MAINTAINED_WINDOWS = [3] as const;
/** Markers that make an event count once: kept past the longest window an event can still affect. */
export const MARKER_TTL_SECONDS = (MAX_DAYS + 1) * 24 * 3600;
/**
 * How long a rarely used window (a ZUNIONSTORE of daily keys) is reused before it is computed again:
 * such answers may lag live orders by this much, the price of not re-running a union per request.
 */
export const UNION_CACHE_SECONDS = 30;

export type Day = string;

export function validateRankingQuery(days: number, limit: number): { days: number; limit: number } {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)
    throw badUserInput("days", `days must be from 1 to ${MAX_DAYS}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw badUserInput("limit", `limit must be from 1 to ${MAX_LIMIT}`);
  return { days, limit };
}

// Building an Intl.DateTimeFormat costs far more than using one (it showed up as the worker's
// bottleneck), so one is kept per time zone and purpose.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: "day" | "parts", timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}:${timeZone}`;
  let format = formatters.get(key);
  if (!format) {
    format =
      kind === "day"
        ? // en-CA formats as YYYY-MM-DD.
          new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
        : new Intl.DateTimeFormat("en-US", {
            timeZone,
            hourCycle: "h23",
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
          });
    formatters.set(key, format);
  }
  return format;
}

/** The calendar day of an instant in a time zone. */
export function dayOf(instant: Date, timeZone: string): Day {
  return formatter("day", timeZone).format(instant);
}

export function addDays(day: Day, days: number): Day {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The `days` calendar days ending with `today`, oldest first. */
export function windowDays(today: Day, days: number): Day[] {
  return Array.from({ length: days }, (_, index) => addDays(today, index - days + 1));
}

/** The UTC instant at which `day` starts in `timeZone` (DST-aware, via the zone's offset at that time). */
export function startOfDay(day: Day, timeZone: string): Date {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d);
  // Offset of the zone near that midnight; apply it, then correct once more in case it changed.
  const first = utcMidnight - offsetMs(new Date(utcMidnight), timeZone);
  const second = utcMidnight - offsetMs(new Date(first), timeZone);
  // Where a DST gap skips midnight itself (America/Santiago, Atlantic/Azores...), the correction
  // lands on the day before; the day then starts as the gap ends, at midnight by the earlier offset.
  return new Date(dayOf(new Date(second), timeZone) === day ? second : first);
}

function offsetMs(instant: Date, timeZone: string): number {
  const parts = formatter("parts", timeZone).formatToParts(instant);
  const field = (type: string) =>
    Number(
      present(
        parts.find((part) => part.type === type),
        `the ${type} of a formatted date`,
      ).value,
    );
  const asUtc = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * How many days after its own today the worker counts an event at once. The API and the worker run
 * on different hosts: around midnight the API may pay an order on day D while the worker's clock
 * still says D - 1. The event belongs to day D whatever the worker's clock says, and counting it into
 * D's keys at once is exact: a reader still on D - 1 does not read them, a reader on D does. The
 * alternative, retrying until the worker's day catches up, would hold back the whole job (up to 100
 * events) and leave the ranking of a reader already on D short for as long as the skew lasts.
 * An event further ahead means a clock off by more than a day: it is retried, never dropped, until
 * the worker's day comes within reach of it.
 */
export const MAX_DAYS_AHEAD = 1;

/** Where `day` stands for a worker whose day is `today`: counted, too old to matter, or too far ahead yet. */
export type DayReach = "tracked" | "past" | "ahead";

export function reachOf(day: Day, today: Day): DayReach {
  if (day < addDays(today, -(MAX_DAYS - 1))) return "past";
  if (day > addDays(today, MAX_DAYS_AHEAD)) return "ahead";
  return "tracked";
}

/** An event of `day` is counted while `day` is one of the last MAX_DAYS days, or up to MAX_DAYS_AHEAD ahead. */
export const isTrackedDay = (day: Day, today: Day): boolean => reachOf(day, today) === "tracked";

/**
 * The end days of the `days`-day windows a rebuild recomputes from the daily keys: every window a
 * reader may still ask for and that may hold a tracked day. From the day before today (a reader
 * whose clock is behind the rebuilder's around midnight) to the last window that holds the furthest
 * day tracked ahead (today + MAX_DAYS_AHEAD counts toward the windows ending up to `days - 1` days
 * after it). Windows that ended earlier are never read again and are left to expire.
 */
export function windowEndsToRecompute(today: Day, days: number): Day[] {
  const count = 1 + MAX_DAYS_AHEAD + days;
  return Array.from({ length: count }, (_, index) => addDays(today, index - 1));
}

/** The maintained windows an event of `day` counts toward: each window ending on `day` .. `day + n - 1`. */
export function windowsCounting(day: Day): Array<{ days: number; end: Day }> {
  return MAINTAINED_WINDOWS.flatMap((days) =>
    Array.from({ length: days }, (_, index) => ({ days, end: addDays(day, index) })),
  );
}

/**
 * When a key may go: a daily key after the last window that can include it (MAX_DAYS), a window key
 * after its end day; plus two days, which covers any time zone's offset from UTC (at most 14 h).
 */
export const dailyKeyExpiresAt = (day: Day): number => utcMidnightSeconds(addDays(day, MAX_DAYS + 2));
export const windowKeyExpiresAt = (end: Day): number => utcMidnightSeconds(addDays(end, 2));

/**
 * Seconds from `now` until `expireAt` (epoch seconds), at least 1: what EXPIRE is given. Redis keeps
 * its own clock, so an absolute EXPIREAT would tie the keys' lifetime to the Redis host's clock while
 * the days are the service's; a TTL counted from the service's clock keeps both on one clock (a
 * skewed host, or a test that runs the service on another day). At least 1 s, since EXPIRE 0 deletes.
 */
export const secondsUntil = (expireAt: number, now: Date): number =>
  Math.max(1, expireAt - Math.floor(now.getTime() / 1000));

function utcMidnightSeconds(day: Day): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 1000;
}

/**
 * Sorted-set members are zero-padded product ids, so that members with equal scores, which Redis
 * orders lexicographically, come out in ascending product id order: the ranking's tie-break.
 */
export const memberOf = (productId: number): string => String(productId).padStart(16, "0");
export const productIdOf = (member: string): number => Number(member);

/**
 * The ranking's keys. Counts and markers live in a generation: a rebuild counts into a fresh one
 * while readers keep reading the current one, then switches over in one step (see RankingStore).
 * Generation 0 keeps the names keys had before generations existed, so a Redis filled by an
 * earlier version is read as it is. The control keys (which generation is current, which is being
 * built, the sequence, the rebuild lock) belong to no generation.
 */
export class RankingKeys {
  constructor(
    private readonly prefix: string,
    readonly generation = 0,
  ) {}

  /** The same keys in generation `generation`. */
  inGeneration(generation: number): RankingKeys {
    return new RankingKeys(this.prefix, generation);
  }

  private key(rest: string): string {
    return `${this.prefix}:{ranking}:${rest}`;
  }

  private counted(rest: string): string {
    return this.generation === 0 ? this.key(rest) : this.key(`g${this.generation}:${rest}`);
  }

  daily(day: Day): string {
    return this.counted(`daily:${day}`);
  }

  window(days: number, end: Day): string {
    return this.counted(`w${days}:${end}`);
  }

  union(days: number, today: Day): string {
    return this.counted(`u${days}:${today}`);
  }

  paidMarker(orderId: number): string {
    return this.counted(`seen:paid:${orderId}`);
  }

  cancelMarker(orderItemId: number): string {
    return this.counted(`seen:cancel:${orderItemId}`);
  }

  /** Present while the generation's ranking is complete; missing after Redis lost it (then: rebuild). */
  built(): string {
    return this.counted("built");
  }

  /** The generation readers and live events use (absent: 0). */
  current(): string {
    return this.key("generation");
  }

  /** The generation a rebuild is counting into, which live events count into as well (absent: none). */
  building(): string {
    return this.key("generation:building");
  }

  /** Where new generation numbers come from (INCR). */
  sequence(): string {
    return this.key("generation:seq");
  }

  rebuildLock(): string {
    return this.key("rebuild-lock");
  }

  /** Every key of the ranking, for SCAN when a rebuild drops the generations it replaced. */
  pattern(): string {
    return this.key("*");
  }

  /** The generation a key of the ranking (as `pattern` matches them) belongs to; null for a control key. */
  generationOf(key: string): number | null {
    const rest = key.slice(this.key("").length);
    if (rest === "rebuild-lock" || rest.startsWith("generation")) return null;
    const numbered = /^g(\d+):/.exec(rest);
    return numbered ? Number(numbered[1]) : 0;
  }
}

/** Which generations exist for live events: the current one, and the one a rebuild is counting into. */
export interface GenerationView {
  current: number;
  building: number | null;
}

/** The view from the values of the `current` and `building` keys (null when absent). */
export function generationViewOf(current: string | null, building: string | null): GenerationView {
  return { current: current === null ? 0 : Number(current), building: building === null ? null : Number(building) };
}

/**
 * The generations a live event is counted into: the current one, and the one being built. Counting
 * into the new generation from the moment its build starts is what makes the switch exact: an order
 * committed before the build started is in the database the rebuild reads, and the event of any
 * order committed after reaches the new generation live; its markers count each once either way.
 */
export const liveGenerations = (view: GenerationView): number[] =>
  view.building === null ? [view.current] : [view.current, view.building];

/** What a script is told the generations are: it refuses to run (stale) when they are no longer so. */
export const generationGuardArgs = (view: GenerationView): [string, string] => [
  String(view.current),
  view.building === null ? "" : String(view.building),
];

/** Where a query for `days` reads from: a daily key, a maintained window key, or a cached union. */
export function sourceFor(
  keys: RankingKeys,
  days: number,
  today: Day,
): { kind: "single"; key: string } | { kind: "union"; key: string; dailies: string[] } {
  if (days === 1) return { kind: "single", key: keys.daily(today) };
  if ((MAINTAINED_WINDOWS as readonly number[]).includes(days))
    return { kind: "single", key: keys.window(days, today) };
  return {
    kind: "union",
    key: keys.union(days, today),
    dailies: windowDays(today, days).map((day) => keys.daily(day)),
  };
}

export interface Ranked {
  productId: number;
  soldQuantity: number;
}

/** Highest quantity first, ties by product id ascending; only products that sold something. */
export function rank(entries: readonly Ranked[], limit: number): Ranked[] {
  return entries
    .filter((entry) => entry.soldQuantity > 0)
    .sort((a, b) => b.soldQuantity - a.soldQuantity || a.productId - b.productId)
    .slice(0, limit);
}
