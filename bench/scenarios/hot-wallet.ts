import type { RowDataPacket } from "mysql2/promise";
import { checkInvariants } from "../../test/helpers/invariants.js";
import { GraphqlHttp } from "../harness/graphql-http.js";
import { closedLoop } from "../harness/load.js";
import { ratio, type BenchSettings, type Measurement, type ScenarioResult } from "../harness/scenario.js";
import type { BenchService } from "../harness/service.js";
import { openCeilingDatabase } from "./flash-sale.js";
import { createBuyers } from "./order-fixtures.js";
import { naiveCharge } from "./sql-ceilings.js";

const CHARGE = `mutation Charge($amount: SafeInt!) { chargePoint(amount: $amount) { balance } }`;
const AMOUNT = 7;

async function balanceOf(pool: BenchService["pool"], memberId: number): Promise<number> {
  const [[row]] = (await pool.query<RowDataPacket[]>("SELECT balance FROM point_wallet WHERE member_id = ?", [
    memberId,
  ])) as [RowDataPacket[], unknown];
  return Number(row!.balance);
}

/**
 * Scenario 6: one member's wallet charged by many requests at once (a script, a double-clicking
 * crowd of tabs). The wallet row serializes them; every successful charge must be in the balance.
 */
export async function runHotWallet(service: BenchService, settings: BenchSettings): Promise<ScenarioResult> {
  const [member] = await createBuyers(service.pool, 1, 0, "wallet");
  const token = await service.tokenFor(member!);
  const ceilingPool = await openCeilingDatabase(service, "wallet");
  const [ceilingMember] = await createBuyers(ceilingPool, 1, 0, "wallet");
  const client = new GraphqlHttp(service.urls);
  const measurements: Measurement[] = [];
  let acknowledged = 0;
  try {
    for (const concurrency of settings.concurrencies) {
      const run = { concurrency, durationMs: settings.durationMs, warmupMs: settings.warmupMs };
      measurements.push({
        series: "service",
        ...(await closedLoop({
          ...run,
          cpu: service.cpuReaders(),
          op: async () => {
            const outcome = await client.outcome(CHARGE, { amount: AMOUNT }, token);
            if (outcome === null) acknowledged += 1; // counted inside and outside the window alike
            return outcome;
          },
        })),
      });
      measurements.push({
        series: "naive-tx",
        ...(await closedLoop({ ...run, op: () => naiveCharge(ceilingPool, ceilingMember!, AMOUNT) })),
      });
    }
    const balance = await balanceOf(service.pool, member!);
    const violations = await checkInvariants(service.pool);
    if (balance !== acknowledged * AMOUNT)
      violations.push(
        `hot wallet: ${acknowledged} charges acknowledged, balance ${balance} = ${balance / AMOUNT} charges`,
      );
    const top = settings.concurrencies.at(-1)!;
    const at = (series: string) => measurements.find((m) => m.series === series && m.concurrency === top)!;
    return {
      name: "hot-wallet",
      title: "Hot wallet: one member, concurrent chargePoint",
      measurements,
      ratios: [ratio("chargePoint / naive transaction", top, at("service").opsPerSec / at("naive-tx").opsPerSec, 1.5)],
      figures: {
        "charges acknowledged": acknowledged,
        "charges in the balance": balance / AMOUNT,
        "lost charges": acknowledged - balance / AMOUNT,
      },
      violations,
    };
  } finally {
    client.close();
    await ceilingPool.end();
  }
}
