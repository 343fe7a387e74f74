import { describe, expect, it } from "vitest";
import { closedLoop } from "../../bench/harness/load.js";
import { processCpuSeconds } from "../../bench/harness/service.js";

describe("bench load harness", () => {
  it("reads a process's CPU time from /proc as the process itself counts it", () => {
    const burnUntil = process.cpuUsage().user + 200_000; // 0.2 s of user time
    let spin = 0;
    while (process.cpuUsage().user < burnUntil) spin += 1;
    expect(spin).toBeGreaterThan(0);
    const own = process.cpuUsage();
    const fromProc = processCpuSeconds(process.pid);
    // /proc counts in ticks of 10 ms; the two readings are a few statements apart.
    expect(Math.abs(fromProc - (own.user + own.system) / 1e6)).toBeLessThan(0.05);
  });

  it("charges the CPU spent inside the measured window to the operations counted in it", async () => {
    // A fake process that spends exactly one CPU second per operation, counted as it answers.
    let cpuSeconds = 0;
    const result = await closedLoop({
      concurrency: 1,
      durationMs: 200,
      warmupMs: 50,
      op: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        cpuSeconds += 1;
        return null;
      },
      cpu: { fake: () => cpuSeconds },
    });
    expect(result.ops).toBeGreaterThan(0);
    // One client: at most one operation at each edge of the window is charged but not counted.
    const perOp = result.cpuMsPerOp!.fake!;
    expect(Math.abs(perOp - 1_000)).toBeLessThanOrEqual((2 * 1_000) / result.ops + 1e-9);
  });

  it("reports no CPU figure when no process was named", async () => {
    const result = await closedLoop({ concurrency: 1, durationMs: 20, warmupMs: 0, op: () => Promise.resolve(null) });
    expect(result.cpuMsPerOp).toBeUndefined();
  });
});
