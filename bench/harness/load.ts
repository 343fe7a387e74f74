import { performance } from "node:perf_hooks";

/** What one operation of a closed loop reported: null when it succeeded, else an error code. */
export type Outcome = string | null;

export interface LoadOptions {
  concurrency: number;
  /** Measured time; operations that start after it are not sent. */
  durationMs: number;
  /** Time run first and thrown away (JIT, pools, caches). */
  warmupMs: number;
  /** One operation of client `client` (0 .. concurrency - 1). */
  op: (client: number) => Promise<Outcome>;
  /**
   * Count every operation answered inside the window, whenever it was sent (sent during the warm-up
   * included). By default only those sent and answered inside it count: exact for operations far
   * shorter than the window, but it leaves out about one operation per client at each edge, a large
   * share when one takes a good part of the window (a checkout journey of a second at 64 clients).
   */
  countAnswered?: boolean;
  /**
   * Processes whose CPU time the window's operations are charged with, by name (e.g. { api, worker }):
   * each one's CPU seconds so far. Read as the window's first operation is sent and once it closed.
   */
  cpu?: Record<string, () => number>;
}

export interface LoadResult {
  concurrency: number;
  ops: number;
  durationMs: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Failed operations by error code; successes are not in here. */
  errors: Record<string, number>;
  /** CPU milliseconds each process named in `cpu` spent per operation counted in the window. */
  cpuMsPerOp?: Record<string, number>;
}

/** The value below which a fraction `p` of the sorted samples lie (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

/**
 * A closed loop: `concurrency` clients, each sending its next operation as soon as the previous one
 * answered, as a crowd of buyers clicking "pay" does. Throughput is what completed in the measured
 * window; latency is per operation. Unlike an open loop it never queues more than `concurrency`
 * requests, so the figures describe the server at that concurrency, not a backlog.
 */
export async function closedLoop({
  concurrency,
  durationMs,
  warmupMs,
  op,
  countAnswered = false,
  cpu,
}: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const measureFrom = started + warmupMs;
  const stopAt = measureFrom + durationMs;
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ops = 0;

  // CPU is read when the first operation of the window is sent and when the last client is done:
  // no timer (they fire up to a millisecond off), and what it charges beyond the operations counted
  // is at most the ones in flight at each edge.
  const readCpu = () => Object.fromEntries(Object.entries(cpu ?? {}).map(([name, seconds]) => [name, seconds()]));
  let cpuAtStart: Record<string, number> | null = null;

  const client = async (id: number): Promise<void> => {
    while (performance.now() < stopAt) {
      const sent = performance.now();
      if (cpu && cpuAtStart === null && sent >= measureFrom) cpuAtStart = readCpu();
      let outcome: Outcome;
      try {
        outcome = await op(id);
      } catch (error) {
        outcome = error instanceof Error ? `THROWN:${error.message.slice(0, 60)}` : "THROWN";
      }
      const answered = performance.now();
      // Only operations sent and answered inside the window count, so warm-up and the tail are out
      // (or, with countAnswered, those answered inside it).
      if ((countAnswered ? answered < measureFrom : sent < measureFrom) || answered > stopAt) continue;
      ops += 1;
      latencies.push(answered - sent);
      if (outcome !== null) errors[outcome] = (errors[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => client(id)));
  const cpuAtEnd = cpu ? readCpu() : null;

  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    ops,
    durationMs,
    opsPerSec: (ops / durationMs) * 1000,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors,
    ...(cpuAtEnd && {
      cpuMsPerOp: Object.fromEntries(
        Object.entries(cpuAtEnd).map(([name, seconds]) => [
          name,
          ops === 0 || cpuAtStart === null ? NaN : ((seconds - cpuAtStart[name]!) * 1000) / ops,
        ]),
      ),
    }),
  };
}
