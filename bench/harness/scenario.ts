import type { LoadResult } from "./load.js";

/** One series of a scenario at one concurrency: the service, or a ceiling measured beside it. */
export interface Measurement extends LoadResult {
  /** "service" for the real thing through HTTP + GraphQL; otherwise the ceiling's name. */
  series: string;
}

/**
 * The service's throughput (or speed, for latency scenarios) over a ceiling's, with the target;
 * or over the service's own in another scenario of the same run (the cluster over the standalone server).
 */
export interface Ratio {
  /** e.g. "placeOrder / naive transaction", "placeOrder, cluster / standalone" */
  label: string;
  concurrency: number;
  value: number;
  /** null: measured and reported, with no target in the issue (e.g. against the bare UPDATE). */
  target: number | null;
  met: boolean;
}

export interface ScenarioResult {
  name: string;
  title: string;
  measurements: Measurement[];
  ratios: Ratio[];
  /** Figures that are not load results: lock hold time, statements per request, events/s ... */
  figures: Record<string, number | string>;
  /** Invariant violations found after the run (must be empty). */
  violations: string[];
  /**
   * Why the scenario did not run on this machine (what to install), when it did not: reported, never a
   * failure, so a machine without the optional software still runs the rest. Nothing else is measured.
   */
  skipped?: string;
}

export interface BenchSettings {
  quick: boolean;
  /** Concurrency levels the throughput scenarios sweep; the ratio is taken at the highest. */
  concurrencies: number[];
  durationMs: number;
  warmupMs: number;
  dbPoolSize: number;
}

/** What the report says of a scenario this machine cannot run. */
export function skippedResult(name: string, title: string, reason: string): ScenarioResult {
  return { name, title, measurements: [], ratios: [], figures: {}, violations: [], skipped: reason };
}

/** The service's measurement at one concurrency, if the scenario measured it there. */
export function serviceAt(result: ScenarioResult, concurrency: number): Measurement | undefined {
  return result.measurements.find((m) => m.series === "service" && m.concurrency === concurrency);
}

export function ratio(label: string, concurrency: number, value: number, target: number | null): Ratio {
  return { label, concurrency, value, target, met: target === null || value >= target };
}
