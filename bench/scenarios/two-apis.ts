import { ratio, serviceAt, type BenchSettings, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";

type Run = (service: BenchService, settings: BenchSettings) => Promise<ScenarioResult>;

/**
 * A scenario again with two API processes behind the load clients (BenchServiceOptions.apiProcesses),
 * as `<name>-2api`: its own ratios against the same ceilings, and the service's throughput over the
 * one-process run of the same scenario earlier in this run, at the highest concurrency. On a 2-core
 * machine the second process competes with MariaDB and Redis for the cores: the ratio says whether
 * the API's one thread or the rest was the limit.
 */
export function withTwoApis(
  run: Run,
): (service: BenchService, settings: BenchSettings, earlier: readonly ScenarioResult[]) => Promise<ScenarioResult> {
  return async (service, settings, earlier) => {
    const result = await run(service, settings);
    const top = settings.concurrencies.at(-1)!;
    const one = earlier.find((candidate) => candidate.name === result.name);
    const oneAtTop = one && serviceAt(one, top);
    const twoAtTop = serviceAt(result, top);
    return {
      ...result,
      name: `${result.name}-2api`,
      title: `${result.title}, two API processes`,
      ratios: [
        ...result.ratios,
        ...(oneAtTop && twoAtTop
          ? [ratio("service, 2 API processes / 1", top, twoAtTop.opsPerSec / oneAtTop.opsPerSec, null)]
          : []),
      ],
    };
  };
}
