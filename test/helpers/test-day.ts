import { addDays, dayOf, startOfDay, type Day } from "../../src/modules/ranking/ranking.rules.js";
import { TestClock } from "./test-clock.js";

/**
 * The day and zone the ranking tests count from. The day is today's, read off the process clock
 * when the file loads, never a pinned date: Redis expires keys by its own clock, so a test pinned to
 * a date would break once that date is far enough behind. `npm run test:dates` runs these tests
 * under faketime on chosen days (month and year ends, a DST change), with the zone picked by
 * TEST_RANKING_TIMEZONE (Asia/Seoul, the service's default, when unset).
 */
export const TEST_ZONE = process.env.TEST_RANKING_TIMEZONE ?? "Asia/Seoul";
export const TODAY = dayOf(new Date(), TEST_ZONE);

/** A clock at noon of TODAY in TEST_ZONE, for the service and the ranking store alike. */
export const noonClock = (): TestClock =>
  new TestClock(new Date(startOfDay(TODAY, TEST_ZONE).getTime() + 12 * 3600_000));

/**
 * The instant `fraction` (0 inclusive to 1 exclusive) of the way through `day` in TEST_ZONE. A day
 * is not always 24 hours long (23 or 25 on a DST change), so never add a fraction of 24 h instead.
 */
export function instantIn(day: Day, fraction: number): Date {
  const start = startOfDay(day, TEST_ZONE).getTime();
  return new Date(start + Math.floor(fraction * (startOfDay(addDays(day, 1), TEST_ZONE).getTime() - start)));
}
