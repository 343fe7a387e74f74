import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { escapeXml, niceTicks, renderChart } from "../../bench/harness/chart.js";
import { describeMachine, machineSummary, type MachineInfo } from "../../bench/harness/machine.js";
import { formatErrors, formatTable, renderMarkdownSummary, writeResults } from "../../bench/harness/report.js";
import { packageOf, summarizeProfile } from "../../bench/profile-summary.js";
import {
  ratio,
  skippedResult,
  type BenchSettings,
  type Measurement,
  type ScenarioResult,
} from "../../bench/harness/scenario.js";
import { galeraRatios } from "../../bench/scenarios/flash-sale-galera.js";

const settings: BenchSettings = {
  quick: false,
  concurrencies: [1, 4, 16, 64],
  durationMs: 10_000,
  warmupMs: 2_000,
  dbPoolSize: 16,
};

const machine: MachineInfo = {
  cpuModel: "AMD EPYC 7B13",
  cores: 8,
  memoryGiB: 31.3,
  os: "Debian GNU/Linux 12 (bookworm)",
  kernel: "Linux 6.1.0-18-amd64",
  arch: "x64",
  node: "v20.20.2",
  mariadb: "10.11.6-MariaDB-0+deb12u1",
  redis: "7.0.15",
  date: "2026-01-02T03:04:05.000Z",
};

function measurement(
  series: string,
  concurrency: number,
  opsPerSec: number,
  p99Ms: number,
  errors: Record<string, number> = {},
): Measurement {
  return {
    series,
    concurrency,
    ops: Math.round(opsPerSec * 10),
    durationMs: 10_000,
    opsPerSec,
    p50Ms: p99Ms / 3,
    p99Ms,
    errors,
  };
}

const sweep = (series: string, scale: number, latency: number, errors: Record<string, number> = {}) =>
  settings.concurrencies.map((c) =>
    measurement(series, c, scale * Math.sqrt(c), latency * (1 + c / 8), c === 64 ? errors : {}),
  );

const results: ScenarioResult[] = [
  {
    name: "place-order",
    title: "Place order on a hot product",
    measurements: [
      ...sweep("naive-tx", 900, 3),
      ...sweep("service", 640, 4.2, { INSUFFICIENT_STOCK: 150, DEADLOCK: 2 }),
      ...sweep("bare-update", 2_100, 1.1),
    ],
    ratios: [ratio("placeOrder / naive transaction", 64, 0.71, 0.6), ratio("placeOrder / bare UPDATE", 64, 0.3, 0.35)],
    figures: { lockHoldMs: 0.4321, statementsPerRequest: 7, note: "row lock <1 ms & fair" },
    violations: [],
  },
  {
    name: "popular",
    title: "popularProducts read",
    measurements: [
      { ...measurement("service", 16, 12_345.6, 2.5), cpuMsPerOp: { api: 0.0845, worker: 1.234 } },
      measurement("naive-union", 16, 4.2, 331),
    ],
    ratios: [ratio("popular / ZUNIONSTORE per request", 16, 2043.5, 50)],
    figures: {},
    violations: ["stock of product 7 went negative (-1)"],
  },
  {
    name: "events",
    title: "Outbox relay",
    measurements: [],
    ratios: [],
    figures: { eventsPerSec: 4921 },
    violations: [],
  },
];

describe("bench report", () => {
  it("prints every measurement as an aligned row, then ratios, figures and invariants per scenario", () => {
    const table = formatTable(results, settings);
    const lines = table.split("\n");

    const header = lines.find((line) => line.startsWith("scenario"))!;
    expect(header).toMatch(/^scenario\s+series\s+conc\s+ops\s+ops\/s\s+p50 ms\s+p99 ms\s+CPU ms\/op\s+errors$/);
    // One row per measurement, service first within its scenario; right-aligned numbers line up.
    const rows = lines.filter((line) => /^\S*\s+(service|naive-tx|bare-update|naive-union)\s/.test(line));
    expect(rows).toHaveLength(14);
    expect(rows[0]).toMatch(/^place-order\s+service\s+1\s/);
    expect(rows[4]).toMatch(/^\s+naive-tx\s+1\s/);
    const p99End = header.indexOf("p99 ms") + "p99 ms".length;
    for (const row of rows) expect(row[p99End - 1]).toMatch(/\d/);

    expect(table).toContain("INSUFFICIENT_STOCK:150 DEADLOCK:2");
    expect(table).toMatch(/^popular\s+service\s+16\s.*\sapi 0\.085 worker 1\.23\s+-$/m);
    expect(table).toMatch(/placeOrder \/ naive transaction\s+@64\s+0\.71×\s+target 0\.60×\s+✓/);
    expect(table).toMatch(/placeOrder \/ bare UPDATE\s+@64\s+0\.30×\s+target 0\.35×\s+✗/);
    expect(table).toMatch(/lockHoldMs\s+0\.43/);
    expect(table).toContain("12,346"); // ops/s grouped
    expect(table).toContain("invariants: ok");
    expect(table).toContain("invariants: 1 VIOLATED");
    expect(table).toContain("✗ stock of product 7 went negative (-1)");
    expect(table).toMatch(/^events\s+\(no load measured\)$/m);
    expect(table).toContain("2/3 targets met, invariants violated in 1 scenario(s)");
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });

  it("formats errors compactly, largest first", () => {
    expect(formatErrors({})).toBe("-");
    expect(formatErrors({ B: 2, A: 2, C: 9, Z: 0 })).toBe("C:9 A:2 B:2");
  });

  it("renders a pasteable markdown summary", () => {
    const md = renderMarkdownSummary(results, settings, machine, { peakRssMiB: { api: 212.4, worker: 131 } });
    const tableLines = md.split("\n").filter((line) => line.startsWith("|"));
    expect(tableLines[0]).toBe("| Scenario | Ratio | Value | Target | Met | Key figures |");
    expect(tableLines).toHaveLength(2 + 4);
    expect(tableLines.every((line) => line.split(/(?<!\\)\|/).length === 8)).toBe(true);
    expect(md).toContain("| Place order on a hot product | placeOrder / naive transaction @64 | 0.71× | ≥ 0.60× | ✓ |");
    expect(md).toContain("| placeOrder / bare UPDATE @64 | 0.30× | ≥ 0.35× | ✗ |");
    expect(md).toContain("service 12,346 ops/s, p99 2.50 ms @16<br>CPU ms per op @16: api 0.085 worker 1.23");
    expect(md).toContain("Peak RSS: api 212 MiB, worker 131 MiB");
    expect(md).toContain("MariaDB 10.11.6 · Redis 7.0.15");
  });

  it("draws a well-formed, self-contained SVG with every charted scenario and series", () => {
    const svg = renderChart(results, machine, settings);
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    // Nothing fetched from elsewhere.
    expect(svg).not.toMatch(/href|@import|url\(|<script/i);
    // Tags balance (a tiny XML well-formedness check: every element opened is closed in order).
    const stack: string[] = [];
    for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
      if (selfClosing) continue;
      if (closing) expect(stack.pop()).toBe(name);
      else stack.push(name!);
    }
    expect(stack).toEqual([]);
    // No raw ampersands or angle brackets in text.
    expect(svg.replace(/<[^>]*>/g, "")).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);

    for (const title of ["Place order on a hot product", "popularProducts read"])
      expect(svg).toContain(escapeXml(title));
    for (const series of ["service", "naive-tx", "bare-update", "naive-union"])
      expect(svg).toContain(`data-series="${series}"`);
    expect(svg).toContain("Not charted (no load measured): events");
    expect(svg).toContain(escapeXml(machineSummary(machine))); // in <title>
    expect(svg).toContain("AMD EPYC 7B13 · 8 cores · 31.3 GiB RAM");
    expect(svg).toContain("Node v20.20.2 · MariaDB 10.11.6 · Redis 7.0.15 · 2026-01-02");
    // Log2 x axis ticks at the swept concurrencies.
    for (const c of settings.concurrencies) expect(svg).toMatch(new RegExp(`text-anchor="middle">${c}</text>`));
  });

  it("picks round y ticks", () => {
    expect(niceTicks(0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(940)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(12_345)).toEqual([0, 2500, 5000, 7500, 10_000, 12_500]);
  });

  it("writes bench.json and bench.svg, or the -quick pair for a quick run", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "bench-report-"));
    try {
      const full = await writeResults(dir, results, settings, machine, { peakRssMiB: { api: 200 } });
      const quick = await writeResults(dir, results, { ...settings, quick: true }, machine, {
        peakRssMiB: { api: 100 },
      });
      expect(path.basename(full.json)).toBe("bench.json");
      expect(path.basename(quick.svg)).toBe("bench-quick.svg");
      expect((await readdir(dir)).sort()).toEqual(["bench-quick.json", "bench-quick.svg", "bench.json", "bench.svg"]);
      const saved = JSON.parse(await readFile(full.json, "utf8")) as { results: unknown };
      expect(saved).toMatchObject({
        settings,
        machine,
        peakRssMiB: { api: 200 },
        allTargetsMet: false,
        invariantsHeld: false,
      });
      expect(saved.results).toEqual(results);
      expect(await readFile(quick.svg, "utf8")).toContain("(quick run)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("describes the machine it runs on", async () => {
    const described = await describeMachine({
      mariadb: "10.11.6-MariaDB",
      redisServer: "/nonexistent/redis-server",
      now: new Date(0),
    });
    expect(described).toMatchObject({
      mariadb: "10.11.6-MariaDB",
      redis: "unknown",
      node: process.version,
      date: "1970-01-01T00:00:00.000Z",
    });
    expect(described.cores).toBeGreaterThan(0);
    const fromPool = await describeMachine({
      mariadb: { query: () => Promise.resolve([[{ version: "11.4.2-MariaDB" }], []]) },
    });
    expect(fromPool.mariadb).toBe("11.4.2-MariaDB");
  });
});

describe("bench report: a skipped scenario, a comparison with another scenario", () => {
  const standalone: ScenarioResult = {
    name: "flash-sale",
    title: "Flash sale",
    measurements: [measurement("service", 4, 800, 10), measurement("service", 64, 2_000, 40)],
    ratios: [],
    figures: {},
    violations: [],
  };
  const cluster = [
    measurement("service", 4, 400, 20),
    measurement("naive-tx", 4, 500, 15),
    measurement("service", 16, 900, 30),
    measurement("naive-tx", 16, 450, 60),
    measurement("service", 64, 1_500, 80),
    measurement("naive-tx", 64, 300, 300),
  ];
  const skipped = skippedResult("flash-sale-galera", "Flash sale on a cluster", "install galera-4 and rsync");

  it("compares the cluster with its naive ceiling at each concurrency, and with the standalone where both ran", () => {
    const ratios = galeraRatios(cluster, standalone);
    const show = (label: string) =>
      ratios.filter((r) => r.label.includes(label)).map((r) => [r.concurrency, Number(r.value.toFixed(3))]);
    expect(show("naive transaction")).toEqual([
      [4, 0.8],
      [16, 2],
      [64, 5],
    ]);
    // flash-sale did not run at 16: no ratio there rather than one against nothing.
    expect(show("cluster / standalone")).toEqual([
      [4, 0.5],
      [64, 0.75],
    ]);
    expect(ratios.every((r) => r.target === null && r.met)).toBe(true);
    expect(galeraRatios(cluster, undefined).some((r) => r.label.includes("standalone"))).toBe(false);

    const table = formatTable([{ ...standalone, name: "flash-sale-galera", ratios }], settings);
    expect(table).toMatch(/placeOrder, cluster \/ standalone\s+@64\s+0\.75×\s+no target$/m);
    expect(table).toContain("0/0 targets met");
  });

  it("reports a skipped scenario as skipped, with what to install, in the table, the summary and the chart", () => {
    const table = formatTable([results[0]!, skipped], settings);
    expect(table).toMatch(/^flash-sale-galera\s+\(skipped\)$/m);
    expect(table).toContain("flash-sale-galera: Flash sale on a cluster\n  skipped: install galera-4 and rsync\n");
    // Nothing was checked, so nothing is claimed to hold.
    expect(table.split("flash-sale-galera: ")[1]).not.toContain("invariants: ok");
    expect(table).toContain("1/2 targets met, invariants held in every scenario run, 1 scenario(s) skipped");

    const md = renderMarkdownSummary([skipped], settings, machine);
    expect(md).toContain("| Flash sale on a cluster | — | — | — | — | skipped: install galera-4 and rsync |");

    const svg = renderChart([results[2]!, skipped], machine, settings);
    expect(svg).toContain("Not charted (no load measured): events");
    expect(svg).toContain("Skipped: flash-sale-galera (install galera-4 and rsync)");
  });
});

describe("profile summary", () => {
  it("names the package of a frame", () => {
    expect(packageOf("file:///app/node_modules/mysql2/lib/base/connection.js", "write")).toBe("mysql2");
    expect(packageOf("file:///app/node_modules/@apollo/server/dist/esm/index.js", "x")).toBe("@apollo/server");
    expect(packageOf("node:net", "Socket._write")).toBe("node:net");
    expect(packageOf("file:///app/dist/src/api.js", "main")).toBe("app");
    expect(packageOf("", "(garbage collector)")).toBe("(garbage collector)");
    expect(packageOf("", "writeBuffer")).toBe("(native)");
  });

  it("adds up self time per function and per package, leaving idle time out", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", ""), children: [2, 3, 4] },
        { id: 2, callFrame: frame("(idle)", "") },
        { id: 3, callFrame: frame("query", "file:///app/node_modules/mysql2/lib/query.js"), children: [5] },
        { id: 4, callFrame: frame("placeOrder", "file:///app/dist/src/order.js") },
        { id: 5, callFrame: frame("writeBuffer", "") },
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [2, 3, 4, 5, 5, 2],
      timeDeltas: [1000, 1000, 2000, 3000, 3000, 5000],
    };
    const summary = summarizeProfile(profile, 2);
    expect(summary.totalMs).toBe(9);
    expect(summary.byPackage).toEqual([
      { name: "(native)", ms: 6, share: 6 / 9 },
      { name: "app", ms: 2, share: 2 / 9 },
    ]);
    expect(summary.byFunction.map((entry) => entry.name)).toEqual(["writeBuffer", "placeOrder dist/src/order.js:10"]);
  });
});
