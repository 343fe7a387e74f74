import { BENCH_METRICS_TOKEN } from "../harness/service.js";

/** The text of the API's /metrics, scraped with its token. */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
  if (!response.ok) throw new Error(`the API's /metrics answered ${response.status}`);
  return response.text();
}

/** The API's Prometheus /metrics, parsed enough to read counters and histograms. */
export class MetricSnapshot {
  constructor(private readonly samples: Map<string, number>) {}

  /** Sum of every sample of `name` (all label sets), e.g. a counter over all outcomes. */
  sum(name: string): number {
    let total = 0;
    for (const [key, value] of this.samples) if (key === name || key.startsWith(`${name}{`)) total += value;
    return total;
  }

  /**
   * The median of histogram `name` over what was observed since `before`, interpolated inside the
   * bucket it falls in (as Prometheus's histogram_quantile does).
   */
  histogramP50(name: string, before: MetricSnapshot): number {
    const buckets: Array<{ le: number; count: number }> = [];
    for (const [key, value] of this.samples) {
      const match = new RegExp(`^${name}_bucket\\{.*le="([^"]+)"`).exec(key);
      if (match)
        buckets.push({
          le: match[1] === "+Inf" ? Infinity : Number(match[1]),
          count: value - (before.samples.get(key) ?? 0),
        });
    }
    buckets.sort((a, b) => a.le - b.le);
    const total = buckets.at(-1)?.count ?? 0;
    if (total === 0) return NaN;
    let previous = { le: 0, count: 0 };
    for (const bucket of buckets) {
      if (bucket.count >= total / 2) {
        if (bucket.le === Infinity) return previous.le;
        const inBucket = bucket.count - previous.count;
        return previous.le + ((bucket.le - previous.le) * (total / 2 - previous.count)) / Math.max(inBucket, 1);
      }
      previous = bucket;
    }
    return NaN;
  }
}

export async function metricSnapshot(baseUrl: string): Promise<MetricSnapshot> {
  const text = await scrapeMetrics(baseUrl);
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return new MetricSnapshot(samples);
}
