import type { LoadResult } from "./load.js";

/** One series of a scenario at one concurrency: the service, or a ceiling measured beside it. */
export interface Measurement extends LoadResult {
  /** "service" for the real thing through HTTP + GraphQL; otherwise the ceiling's name. */
  series: string;
}

/** The service's throughput (or speed, for latency scenarios) over a ceiling's, with the target. */
export interface Ratio {
  /** e.g. "placeOrder / naive transaction" */
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
}

export interface BenchSettings {
  quick: boolean;
  /** Concurrency levels the throughput scenarios sweep; the ratio is taken at the highest. */
  concurrencies: number[];
  durationMs: number;
  warmupMs: number;
  dbPoolSize: number;
}

export function ratio(label: string, concurrency: number, value: number, target: number | null): Ratio {
  return { label, concurrency, value, target, met: target === null || value >= target };
}
