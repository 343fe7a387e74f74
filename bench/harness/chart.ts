import { machineSummary, type MachineInfo } from "./machine.js";
import type { BenchSettings, Measurement, ScenarioResult } from "./scenario.js";

/*
 * A self-contained SVG of the benchmark: no fonts, scripts, images or links from outside, so it renders
 * the same in a browser, on GitHub and in an image viewer. Per scenario measured at several
 * concurrencies, a panel with throughput and p99 latency against concurrency (log2 axis), one line per
 * series, the service's drawn heaviest. Scenarios measured at one concurrency get horizontal bars.
 *
 * Drawn by hand rather than by a charting library: it is one committed file, and a library (Vega,
 * Chart.js with a canvas) would add a large dependency tree for it, and output (generated ids,
 * embedded styles, text metrics) that changes with the library's version, so the committed chart
 * would change without the numbers changing. Here the same results always give the same bytes.
 */

const WIDTH = 980;
const PAD = 24;
const GAP = 28;
const CHART_WIDTH = (WIDTH - 2 * PAD - 2 * 16 - GAP) / 2;
const LINE_CHART_HEIGHT = 250;
const BAR_ROW = 26;
const PLOT = { left: 62, right: 16, top: 30, bottom: 44 };

const SERVICE = "service";
const SERVICE_COLOUR = "#0063b1";
/** Okabe–Ito, less blue (the service's) and yellow (unreadable on white), then two neutrals. */
const PALETTE = ["#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6b7280", "#8c564b", "#7b3294"];

const STYLE = `
  text { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; fill: #1f2328; }
  .h1 { font-size: 20px; font-weight: 700; }
  .sub { font-size: 12px; fill: #57606a; }
  .h2 { font-size: 15px; font-weight: 700; }
  .name { font-size: 12px; fill: #57606a; font-weight: 400; }
  .h3 { font-size: 12.5px; font-weight: 600; }
  .ratio { font-size: 12px; }
  .met { fill: #1a7f37; font-weight: 600; }
  .missed { fill: #cf222e; font-weight: 600; }
  .tick { font-size: 11px; fill: #57606a; }
  .axis-title { font-size: 11px; fill: #57606a; }
  .legend { font-size: 12px; }
  .legend-service { font-size: 12px; font-weight: 700; }
  .value { font-size: 11px; fill: #1f2328; }
  .grid { stroke: #e6e8eb; stroke-width: 1; }
  .axis { stroke: #8c959f; stroke-width: 1; }
  .panel { fill: #fbfcfd; stroke: #d8dee4; stroke-width: 1; }
`;

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

const r1 = (n: number) => Math.round(n * 10) / 10;

// ---------------------------------------------------------------------------------------------
// Scales and ticks.

/** 0 .. a round number above `max`, in 4–6 round steps (1, 2, 2.5, 5 × 10^k). */
export function niceTicks(max: number, target = 5): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const raw = top / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * magnitude;
  const count = Math.ceil(top / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** Tick labels: "0", "250", "1.5k", "20k", "1.2M", "0.25". */
function formatTick(value: number, step: number, top: number): string {
  const [unit, suffix] = top >= 1e6 ? [1e6, "M"] : top >= 1e4 ? [1e3, "k"] : [1, ""];
  const scaledStep = step / unit;
  const decimals =
    scaledStep >= 1
      ? Number.isInteger(scaledStep)
        ? 0
        : 1
      : Math.min(4, Math.ceil(-Math.log10(scaledStep)) + (String(scaledStep).endsWith("5") ? 1 : 0));
  const text = (value / unit).toFixed(decimals);
  const trimmed = decimals > 0 ? text.replace(/\.?0+$/, "") : text;
  return `${trimmed === "-0" ? "0" : trimmed}${value === 0 ? "" : suffix}`;
}

function formatValue(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e4) return `${(value / 1e3).toFixed(abs >= 1e5 ? 0 : 1)}k`;
  if (abs >= 100 || (abs >= 10 && Number.isInteger(value))) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

// ---------------------------------------------------------------------------------------------
// Series.

interface Metric {
  title: string;
  unit: string;
  pick: (m: Measurement) => number;
}

const THROUGHPUT: Metric = { title: "Throughput (ops/s) — higher is better", unit: "ops/s", pick: (m) => m.opsPerSec };
const P99: Metric = { title: "p99 latency (ms) — lower is better", unit: "ms", pick: (m) => m.p99Ms };

/** Series of a scenario, the service first. */
function seriesOf(measurements: readonly Measurement[]): string[] {
  const names = [...new Set(measurements.map((m) => m.series))];
  return names.sort((a, b) => Number(b === SERVICE) - Number(a === SERVICE));
}

function colourMap(results: readonly ScenarioResult[]): Map<string, string> {
  const colours = new Map<string, string>([[SERVICE, SERVICE_COLOUR]]);
  for (const name of seriesOf(results.flatMap((r) => r.measurements))) {
    if (!colours.has(name)) colours.set(name, PALETTE[(colours.size - 1) % PALETTE.length]!);
  }
  return colours;
}

// ---------------------------------------------------------------------------------------------
// Pieces.

function lineChart(
  x0: number,
  y0: number,
  metric: Metric,
  measurements: readonly Measurement[],
  colours: Map<string, string>,
): string {
  const out: string[] = [];
  const plotLeft = x0 + PLOT.left;
  const plotRight = x0 + CHART_WIDTH - PLOT.right;
  const plotTop = y0 + PLOT.top;
  const plotBottom = y0 + LINE_CHART_HEIGHT - PLOT.bottom;
  const inset = 16;

  const concurrencies = [...new Set(measurements.map((m) => m.concurrency))].sort((a, b) => a - b);
  const lo = Math.log2(concurrencies[0] ?? 1);
  const hi = Math.log2(concurrencies.at(-1) ?? 2);
  const x = (c: number) =>
    r1(plotLeft + inset + ((Math.log2(c) - lo) / (hi - lo || 1)) * (plotRight - plotLeft - 2 * inset));

  const ticks = niceTicks(Math.max(0, ...measurements.map(metric.pick)));
  const top = ticks.at(-1)!;
  const step = ticks[1] ?? top;
  const y = (v: number) => r1(plotBottom - (v / top) * (plotBottom - plotTop));

  out.push(`<text class="h3" x="${plotLeft}" y="${y0 + 16}">${escapeXml(metric.title)}</text>`);
  for (const tick of ticks) {
    const ty = y(tick);
    out.push(
      `<line class="${tick === 0 ? "axis" : "grid"}" x1="${plotLeft}" x2="${plotRight}" y1="${ty}" y2="${ty}"/>`,
    );
    out.push(
      `<text class="tick" x="${plotLeft - 6}" y="${r1(ty + 3.5)}" text-anchor="end">${formatTick(tick, step, top)}</text>`,
    );
  }
  for (const c of concurrencies) {
    const tx = x(c);
    out.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${plotTop}" y2="${plotBottom}"/>`);
    out.push(`<line class="axis" x1="${tx}" x2="${tx}" y1="${plotBottom}" y2="${plotBottom + 4}"/>`);
    out.push(`<text class="tick" x="${tx}" y="${plotBottom + 16}" text-anchor="middle">${c}</text>`);
  }
  out.push(`<line class="axis" x1="${plotLeft}" x2="${plotLeft}" y1="${plotTop}" y2="${plotBottom}"/>`);
  out.push(
    `<text class="axis-title" x="${r1((plotLeft + plotRight) / 2)}" y="${plotBottom + 34}" text-anchor="middle">concurrent clients (log₂ scale)</text>`,
  );
  out.push(
    `<text class="axis-title" transform="translate(${x0 + 14} ${r1((plotTop + plotBottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(metric.unit)}</text>`,
  );

  // Ceilings first, the service last so it is drawn on top.
  for (const name of seriesOf(measurements).reverse()) {
    const colour = colours.get(name) ?? "#000";
    const service = name === SERVICE;
    const points = measurements.filter((m) => m.series === name).sort((a, b) => a.concurrency - b.concurrency);
    const coords = points.map((m) => `${x(m.concurrency)},${y(metric.pick(m))}`).join(" ");
    out.push(`<g data-series="${escapeXml(name)}">`);
    if (points.length > 1) {
      out.push(
        `<polyline points="${coords}" fill="none" stroke="${colour}" stroke-width="${service ? 3 : 1.75}" stroke-linejoin="round" stroke-linecap="round"${service ? "" : ' stroke-opacity="0.9"'}/>`,
      );
    }
    for (const m of points) {
      const label = `${name} @${m.concurrency}: ${formatValue(metric.pick(m))} ${metric.unit}`;
      out.push(
        `<circle cx="${x(m.concurrency)}" cy="${y(metric.pick(m))}" r="${service ? 4.5 : 3.25}" fill="${service ? "#fff" : colour}" stroke="${colour}" stroke-width="${service ? 2.5 : 1}"><title>${escapeXml(label)}</title></circle>`,
      );
    }
    out.push(`</g>`);
  }
  return out.join("\n");
}

function barChartHeight(seriesCount: number): number {
  return PLOT.top + seriesCount * BAR_ROW + 36;
}

function barChart(
  x0: number,
  y0: number,
  metric: Metric,
  measurements: readonly Measurement[],
  colours: Map<string, string>,
): string {
  const out: string[] = [];
  const names = seriesOf(measurements);
  const labelWidth = Math.min(150, 12 + 7 * Math.max(...names.map((n) => n.length)));
  const plotLeft = x0 + labelWidth;
  const plotRight = x0 + CHART_WIDTH - PLOT.right - 40;
  const plotTop = y0 + PLOT.top;
  const plotBottom = plotTop + names.length * BAR_ROW;

  const ticks = niceTicks(Math.max(0, ...measurements.map(metric.pick)), 4);
  const top = ticks.at(-1)!;
  const step = ticks[1] ?? top;
  const x = (v: number) => r1(plotLeft + (v / top) * (plotRight - plotLeft));

  out.push(`<text class="h3" x="${x0 + 8}" y="${y0 + 16}">${escapeXml(metric.title)}</text>`);
  for (const tick of ticks) {
    out.push(
      `<line class="${tick === 0 ? "axis" : "grid"}" x1="${x(tick)}" x2="${x(tick)}" y1="${plotTop}" y2="${plotBottom}"/>`,
    );
    out.push(
      `<text class="tick" x="${x(tick)}" y="${plotBottom + 15}" text-anchor="middle">${formatTick(tick, step, top)}</text>`,
    );
  }
  names.forEach((name, row) => {
    const m = measurements.find((candidate) => candidate.series === name)!;
    const value = metric.pick(m);
    const colour = colours.get(name) ?? "#000";
    const barTop = plotTop + row * BAR_ROW + 5;
    const service = name === SERVICE;
    out.push(`<g data-series="${escapeXml(name)}">`);
    out.push(
      `<text class="${service ? "legend-service" : "legend"}" x="${plotLeft - 8}" y="${barTop + 12}" text-anchor="end">${escapeXml(name)}</text>`,
    );
    out.push(
      `<rect x="${plotLeft}" y="${barTop}" width="${Math.max(1, r1(x(value) - plotLeft))}" height="${BAR_ROW - 10}" rx="2" fill="${colour}"${service ? "" : ' fill-opacity="0.85"'}><title>${escapeXml(`${name} @${m.concurrency}: ${formatValue(value)} ${metric.unit}`)}</title></rect>`,
    );
    out.push(`<text class="value" x="${x(value) + 5}" y="${barTop + 12}">${formatValue(value)}</text>`);
    out.push(`</g>`);
  });
  return out.join("\n");
}

function legend(
  x0: number,
  y0: number,
  names: readonly string[],
  colours: Map<string, string>,
  maxWidth: number,
): { svg: string; height: number } {
  const out: string[] = [];
  let x = x0;
  let y = y0;
  for (const name of names) {
    const service = name === SERVICE;
    const width = 34 + name.length * (service ? 7.6 : 7) + 18;
    if (x + width > x0 + maxWidth && x > x0) {
      x = x0;
      y += 20;
    }
    const colour = colours.get(name) ?? "#000";
    out.push(
      `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="${service ? 3 : 1.75}" stroke-linecap="round"/>`,
      `<circle cx="${x + 12}" cy="${y}" r="${service ? 4.5 : 3.25}" fill="${service ? "#fff" : colour}" stroke="${colour}" stroke-width="${service ? 2.5 : 1}"/>`,
      `<text class="${service ? "legend-service" : "legend"}" x="${x + 32}" y="${y + 4}">${escapeXml(name)}</text>`,
    );
    x += width;
  }
  return { svg: out.join("\n"), height: y - y0 + 20 };
}

function scenarioPanel(
  result: ScenarioResult,
  y0: number,
  colours: Map<string, string>,
): { svg: string; height: number } {
  const out: string[] = [];
  const inner = PAD + 16;
  let y = y0 + 26;

  out.push(
    `<text class="h2" x="${inner}" y="${y}">${escapeXml(result.title)} <tspan class="name">(${escapeXml(result.name)})</tspan></text>`,
  );
  out.push(
    result.violations.length === 0
      ? `<text class="ratio met" x="${WIDTH - inner}" y="${y}" text-anchor="end">invariants ok ✓</text>`
      : `<text class="ratio missed" x="${WIDTH - inner}" y="${y}" text-anchor="end">${result.violations.length} invariant violation${result.violations.length === 1 ? "" : "s"} ✗</text>`,
  );
  for (const r of result.ratios) {
    y += 18;
    out.push(
      `<text class="ratio" x="${inner}" y="${y}">${escapeXml(`${r.label} @${r.concurrency}: `)}<tspan font-weight="600">${formatValue(r.value)}×</tspan>${r.target === null ? escapeXml(" (no target)") : `${escapeXml(` (target ≥ ${formatValue(r.target)}×) `)}<tspan class="${r.met ? "met" : "missed"}">${r.met ? "✓ met" : "✗ missed"}</tspan>`}</text>`,
    );
  }

  const concurrencies = new Set(result.measurements.map((m) => m.concurrency));
  const names = seriesOf(result.measurements);
  const left = inner;
  const right = inner + CHART_WIDTH + GAP;
  if (concurrencies.size > 1) {
    y += 26;
    const key = legend(inner, y, names, colours, WIDTH - 2 * inner);
    out.push(key.svg);
    y += key.height;
    out.push(lineChart(left, y, THROUGHPUT, result.measurements, colours));
    out.push(lineChart(right, y, P99, result.measurements, colours));
    y += LINE_CHART_HEIGHT;
  } else {
    y += 14;
    const only = [...concurrencies][0] ?? 0;
    out.push(`<text class="sub" x="${inner}" y="${y + 4}">at ${only} concurrent client${only === 1 ? "" : "s"}</text>`);
    y += 8;
    out.push(barChart(left, y, THROUGHPUT, result.measurements, colours));
    out.push(barChart(right, y, P99, result.measurements, colours));
    y += barChartHeight(names.length);
  }
  const height = y - y0 + 8;
  out.unshift(
    `<g data-scenario="${escapeXml(result.name)}">`,
    `<rect class="panel" x="${PAD}" y="${y0}" width="${WIDTH - 2 * PAD}" height="${height}" rx="8"/>`,
  );
  out.push(`</g>`);
  return { svg: out.join("\n"), height };
}

// ---------------------------------------------------------------------------------------------

/**
 * The benchmark as one self-contained SVG: a panel per scenario that measured load (line charts over
 * concurrency when it swept several, bars when it ran at one), titled with the machine's summary line.
 */
export function renderChart(
  results: readonly ScenarioResult[],
  machine: MachineInfo,
  settings?: BenchSettings,
): string {
  const colours = colourMap(results);
  const body: string[] = [];
  let y = 40;
  body.push(
    `<text class="h1" x="${PAD}" y="${y}">Order service benchmark${settings?.quick ? " (quick run)" : ""}</text>`,
  );
  y += 22;
  // The summary line split in two, so it fits the width whatever the CPU's name.
  const hardware = `${machine.cpuModel} · ${machine.cores} ${machine.cores === 1 ? "core" : "cores"} · ${machine.memoryGiB} GiB RAM · ${machine.os} · ${machine.kernel} ${machine.arch}`;
  const software = `Node ${machine.node} · MariaDB ${machine.mariadb.replace(/-MariaDB.*$/, "")} · Redis ${machine.redis} · ${machine.date.slice(0, 10)}`;
  body.push(`<text class="sub" x="${PAD}" y="${y}">${escapeXml(hardware)}</text>`);
  y += 17;
  body.push(`<text class="sub" x="${PAD}" y="${y}">${escapeXml(software)}</text>`);
  if (settings) {
    y += 17;
    const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    body.push(
      `<text class="sub" x="${PAD}" y="${y}">${escapeXml(
        `concurrency ${settings.concurrencies.join(", ")} · ${seconds(settings.durationMs)} measured after ${seconds(settings.warmupMs)} warm-up · DB pool ${settings.dbPoolSize} · closed loop`,
      )}</text>`,
    );
  }
  y += 20;

  const charted = results.filter((r) => r.measurements.length > 0);
  for (const result of charted) {
    const panel = scenarioPanel(result, y, colours);
    body.push(panel.svg);
    y += panel.height + 16;
  }
  if (charted.length === 0) {
    body.push(`<text class="sub" x="${PAD}" y="${y + 10}">No scenario measured load.</text>`);
    y += 30;
  }
  const unmeasured = results.filter((r) => r.measurements.length === 0 && !r.skipped).map((r) => r.name);
  if (unmeasured.length > 0) {
    body.push(
      `<text class="sub" x="${PAD}" y="${y + 4}">${escapeXml(`Not charted (no load measured): ${unmeasured.join(", ")}`)}</text>`,
    );
    y += 24;
  }
  for (const result of results.filter((r) => r.skipped)) {
    body.push(
      `<text class="sub" x="${PAD}" y="${y + 4}">${escapeXml(`Skipped: ${result.name} (${result.skipped})`)}</text>`,
    );
    y += 24;
  }
  const height = Math.ceil(y + 4);

  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Order service benchmark">`,
    `<title>Order service benchmark — ${escapeXml(machineSummary(machine))}</title>`,
    `<style>${STYLE}</style>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}
