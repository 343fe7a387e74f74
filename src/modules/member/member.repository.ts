import { eq, inArray } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { member } from "../../db/schema/index.js";
import type { Role } from "../../shared/roles.js";
import { present } from "../../shared/present.js";

export type MemberRow = typeof member.$inferSelect;

export async function insertMember(
  tx: Executor,
  values: { loginId: string; passwordHash: string; nickname: string; role: Role },
): Promise<number> {
  const [result] = await tx.insert(member).values(values).$returningId();
  return present(result, "the inserted member").id;
}

export async function findMemberByLoginId(executor: Executor, loginId: string): Promise<MemberRow | undefined> {
  const rows = await executor.select().from(member).where(eq(member.loginId, loginId)).limit(1);
  return rows[0];
}

export function findMembersByIds(executor: Executor, ids: readonly number[]): Promise<MemberRow[]> {
  return executor
    .select()
    .from(member)
    .where(inArray(member.id, [...ids]));
}
