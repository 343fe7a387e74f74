import DataLoader from "dataloader";
import type { Db } from "../../db/client.js";
import { findMembersByIds, type MemberRow } from "./member.repository.js";

export function createMemberLoaders(db: Db) {
  return {
    memberById: new DataLoader<number, MemberRow | null>(async (ids) => {
      const rows = await findMembersByIds(db, ids);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
