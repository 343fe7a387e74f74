import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderChart } from "./chart.js";
import { machineSummary, type MachineInfo } from "./machine.js";
import type { BenchSettings, Measurement, ScenarioResult } from "./scenario.js";

/** What the run measured besides the scenarios. */
export interface ResultsExtra {
  /** Peak resident set of each process of the service (e.g. { api: 212.4, worker: 131.0 }). */
  peakRssMiB: Record<string, number>;
}

/** The whole of `bench.json`. */
export interface BenchReport {
  settings: BenchSettings;
  machine: MachineInfo;
  peakRssMiB: Record<string, number>;
  /** Every ratio met its target. */
  allTargetsMet: boolean;
  /** No scenario reported an invariant violation. */
  invariantsHeld: boolean;
  results: ScenarioResult[];
}

export interface WrittenResults {
  json: string;
  svg: string;
}

// ---------------------------------------------------------------------------------------------
// Number formatting (deterministic: no locale).

/** 1234567.8 → "1,234,568" */
function groupThousands(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return String(value);
  const [whole = "0", fraction] = Math.abs(value).toFixed(decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${value < 0 ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}

/** Throughput: whole numbers once they are big, a decimal below 100. */
function formatRate(value: number): string {
  return groupThousands(value, Math.abs(value) < 100 ? 1 : 0);
}

/** Milliseconds: three significant figures or so, never exponent notation. */
function formatMs(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return groupThousands(value, 0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 0.1 || abs === 0) return value.toFixed(2);
  return value.toFixed(3);
}

function formatRatio(value: number): string {
  const abs = Math.abs(value);
  const digits =
    abs >= 100 || (abs >= 10 && Number.isInteger(value))
      ? groupThousands(value, 0)
      : abs >= 10
        ? value.toFixed(1)
        : value.toFixed(2);
  return `${digits}×`;
}

function formatFigure(value: number | string): string {
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return groupThousands(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return groupThousands(value, 0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 0.01) return value.toFixed(2);
  return value.toPrecision(2);
}

/** { api: 0.84, worker: 0.31 } → "api 0.84 worker 0.31"; "-" when the CPU was not sampled. */
function formatCpu(cpuMsPerOp: Record<string, number> | undefined): string {
  const entries = Object.entries(cpuMsPerOp ?? {});
  if (entries.length === 0) return "-";
  return entries.map(([name, ms]) => `${name} ${formatMs(ms)}`).join(" ");
}

/** { INSUFFICIENT_STOCK: 150, TIMEOUT: 2 } → "INSUFFICIENT_STOCK:150 TIMEOUT:2" (largest first); "-" when none. */
export function formatErrors(errors: Record<string, number>): string {
  const entries = Object.entries(errors).filter(([, count]) => count > 0);
  if (entries.length === 0) return "-";
  entries.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([code, count]) => `${code}:${count}`).join(" ");
}

function describeSettings(settings: BenchSettings): string {
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  return [
    settings.quick ? "quick run" : "full run",
    `concurrency ${settings.concurrencies.join(", ")}`,
    `${seconds(settings.durationMs)} measured after ${seconds(settings.warmupMs)} warm-up`,
    `DB pool ${settings.dbPoolSize}`,
  ].join(" · ");
}

// ---------------------------------------------------------------------------------------------
// Plain-text table.

type Align = "left" | "right";

function renderColumns(header: string[], rows: string[][], align: Align[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        // The last column is left unpadded so lines carry no trailing spaces.
        if (column === cells.length - 1 && align[column] === "left") return cell;
        return align[column] === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

/** Measurements in the order a reader wants them: service first, then the ceilings, each by concurrency. */
function orderedMeasurements(measurements: readonly Measurement[]): Measurement[] {
  const seriesOrder = seriesNames(measurements);
  return [...measurements].sort(
    (a, b) => seriesOrder.indexOf(a.series) - seriesOrder.indexOf(b.series) || a.concurrency - b.concurrency,
  );
}

/** Series names of a scenario, "service" first, the others in the order they were measured. */
function seriesNames(measurements: readonly Measurement[]): string[] {
  const names = [...new Set(measurements.map((m) => m.series))];
  return names.sort((a, b) => Number(b === "service") - Number(a === "service"));
}

/** The table `printTable` prints, as a string (no trailing spaces; ends with a newline). */
export function formatTable(results: readonly ScenarioResult[], settings: BenchSettings): string {
  const out: string[] = [`Benchmark (${describeSettings(settings)})`, ""];

  const rows: string[][] = [];
  for (const result of results) {
    orderedMeasurements(result.measurements).forEach((m, index) => {
      rows.push([
        index === 0 ? result.name : "",
        m.series,
        String(m.concurrency),
        groupThousands(m.ops),
        formatRate(m.opsPerSec),
        formatMs(m.p50Ms),
        formatMs(m.p99Ms),
        formatCpu(m.cpuMsPerOp),
        formatErrors(m.errors),
      ]);
    });
    if (result.measurements.length === 0)
      rows.push([result.name, result.skipped ? "(skipped)" : "(no load measured)", "", "", "", "", "", "", ""]);
  }
  out.push(
    ...renderColumns(["scenario", "series", "conc", "ops", "ops/s", "p50 ms", "p99 ms", "CPU ms/op", "errors"], rows, [
      "left",
      "left",
      "right",
      "right",
      "right",
      "right",
      "right",
      "left",
      "left",
    ]),
  );

  for (const result of results) {
    out.push("", `${result.name}: ${result.title}`);
    if (result.skipped) {
      // Nothing ran, so no invariant was checked either: saying "ok" would claim what was not seen.
      out.push(`  skipped: ${result.skipped}`);
      continue;
    }
    if (result.ratios.length > 0) {
      const ratioRows = result.ratios.map((r) => [
        r.label,
        `@${r.concurrency}`,
        formatRatio(r.value),
        r.target === null ? "no target" : `target ${formatRatio(r.target)}`,
        r.target === null ? "" : r.met ? "✓" : "✗",
      ]);
      for (const line of renderColumns(["ratio", "at", "value", "target", "met"], ratioRows, [
        "left",
        "right",
        "right",
        "left",
        "left",
      ]).slice(2)) {
        out.push(`  ${line}`);
      }
    }
    const figures = Object.entries(result.figures);
    if (figures.length > 0) {
      const width = Math.max(...figures.map(([key]) => key.length));
      for (const [key, value] of figures) out.push(`  ${key.padEnd(width)}  ${formatFigure(value)}`);
    }
    if (result.violations.length === 0) out.push("  invariants: ok");
    else {
      out.push(`  invariants: ${result.violations.length} VIOLATED`);
      for (const violation of result.violations) out.push(`    ✗ ${violation}`);
    }
  }

  const ratios = results.flatMap((r) => r.ratios).filter((r) => r.target !== null);
  const missed = ratios.filter((r) => !r.met).length;
  const violated = results.filter((r) => r.violations.length > 0).length;
  const skipped = results.filter((r) => r.skipped).length;
  out.push(
    "",
    `${ratios.length - missed}/${ratios.length} targets met` +
      (violated === 0
        ? `, invariants held in every scenario${skipped > 0 ? " run" : ""}`
        : `, invariants violated in ${violated} scenario(s)`) +
      (skipped > 0 ? `, ${skipped} scenario(s) skipped` : ""),
  );
  return `${out.join("\n")}\n`;
}

/** Prints the results as an aligned plain-text table to stdout. */
export function printTable(results: readonly ScenarioResult[], settings: BenchSettings): void {
  process.stdout.write(formatTable(results, settings));
}

// ---------------------------------------------------------------------------------------------
// Markdown summary for the README.

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The service's measurement at the highest concurrency it was measured at. */
function headline(result: ScenarioResult): Measurement | undefined {
  const service = result.measurements.filter((m) => m.series === "service");
  return service.reduce<Measurement | undefined>(
    (best, m) => (best && best.concurrency >= m.concurrency ? best : m),
    undefined,
  );
}

function keyFigures(result: ScenarioResult): string {
  if (result.skipped) return cell(`skipped: ${result.skipped}`);
  const parts: string[] = [];
  const top = headline(result);
  if (top) parts.push(`service ${formatRate(top.opsPerSec)} ops/s, p99 ${formatMs(top.p99Ms)} ms @${top.concurrency}`);
  if (top?.cpuMsPerOp) parts.push(`CPU ms per op @${top.concurrency}: ${formatCpu(top.cpuMsPerOp)}`);
  for (const [key, value] of Object.entries(result.figures)) parts.push(`${key} ${formatFigure(value)}`);
  if (result.violations.length > 0) parts.push(`**${result.violations.length} invariant violation(s)**`);
  return parts.map(cell).join("<br>");
}

/**
 * A markdown table, one row per ratio (scenarios without ratios get one row), with the key figures
 * on each scenario's first row, then the machine and settings line: ready to paste into the README.
 */
export function renderMarkdownSummary(
  results: readonly ScenarioResult[],
  settings: BenchSettings,
  machine?: MachineInfo,
  extra?: ResultsExtra,
): string {
  const lines = ["| Scenario | Ratio | Value | Target | Met | Key figures |", "|---|---|--:|--:|:-:|---|"];
  for (const result of results) {
    const figures = keyFigures(result);
    if (result.ratios.length === 0) {
      lines.push(`| ${cell(result.title)} | — | — | — | — | ${figures} |`);
      continue;
    }
    result.ratios.forEach((r, index) => {
      lines.push(
        `| ${index === 0 ? cell(result.title) : ""} | ${cell(r.label)} @${r.concurrency} | ${formatRatio(r.value)} | ${r.target === null ? "—" : `≥ ${formatRatio(r.target)}`} | ${r.target === null ? "" : r.met ? "✓" : "✗"} | ${index === 0 ? figures : ""} |`,
      );
    });
  }
  const notes = [`_${describeSettings(settings)}_`];
  if (machine) notes.push(`_${machineSummary(machine)}_`);
  const rss = Object.entries(extra?.peakRssMiB ?? {});
  if (rss.length > 0)
    notes.push(`_Peak RSS: ${rss.map(([name, mib]) => `${name} ${Math.round(mib)} MiB`).join(", ")}_`);
  return `${lines.join("\n")}\n\n${notes.join("  \n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// Files.

/**
 * Writes `bench.json` (everything) and `bench.svg` (the chart) into `dir`, or `bench-quick.json` and
 * `bench-quick.svg` for a quick run, so a quick run never overwrites a full run's results.
 */
export async function writeResults(
  dir: string,
  results: readonly ScenarioResult[],
  settings: BenchSettings,
  machine: MachineInfo,
  extra: ResultsExtra,
): Promise<WrittenResults> {
  const base = settings.quick ? "bench-quick" : "bench";
  const report: BenchReport = {
    settings,
    machine,
    peakRssMiB: extra.peakRssMiB,
    allTargetsMet: results.every((r) => r.ratios.every((ratio) => ratio.met)),
    invariantsHeld: results.every((r) => r.violations.length === 0),
    results: [...results],
  };
  await mkdir(dir, { recursive: true });
  const written = { json: path.join(dir, `${base}.json`), svg: path.join(dir, `${base}.svg`) };
  await writeFile(written.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(written.svg, renderChart(results, machine, settings));
  return written;
}
