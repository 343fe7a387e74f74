/**
 * Summarises a V8 CPU profile (`.cpuprofile`, as `BENCH_API_CPU_PROF=<dir>` makes the API write):
 * where the API's CPU went, by self time per function and per package, in plain text a note or an
 * issue can quote. `node dist/bench/profile-summary.js <file.cpuprofile> [top]`
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** "mysql2", "graphql", "@apollo/server", "node:net", "(program)", or "app" for the project's own code. */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return url;
  const nodeModules = url.lastIndexOf("node_modules/");
  if (nodeModules === -1) return "app";
  const [scopeOrName, name] = url.slice(nodeModules + "node_modules/".length).split("/");
  return scopeOrName!.startsWith("@") ? `${scopeOrName}/${name}` : scopeOrName!;
}

export interface ProfileSummary {
  totalMs: number;
  byPackage: Array<{ name: string; ms: number; share: number }>;
  byFunction: Array<{ name: string; ms: number; share: number }>;
}

export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  // Time the process waited for work is not CPU it spent.
  for (const [id] of selfUs) if (nodes.get(id)!.callFrame.functionName === "(idle)") selfUs.delete(id);
  const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const where =
      url === ""
        ? ""
        : ` ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/dist\//, "dist/")}:${lineNumber + 1}`;
    const name = `${functionName || "(anonymous)"}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }));
  return { totalMs: totalUs / 1000, byPackage: ranked(byPackage), byFunction: ranked(byFunction) };
}

function render(summary: ProfileSummary): string {
  const line = ({ name, ms, share }: { name: string; ms: number; share: number }) =>
    `${(share * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`;
  return [
    `${summary.totalMs.toFixed(0)} ms on the CPU (idle time left out)`,
    "",
    "self time by package",
    ...summary.byPackage.map(line),
    "",
    "self time by function",
    ...summary.byFunction.map(line),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = "25"] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]");
    process.exit(2);
  }
  console.log(render(summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number(top))));
}
