import { char, datetime, index, json, mysqlEnum, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { createdAt, idPk, idRef } from "./columns.js";
import { member } from "./member.js";

/**
 * Client-chosen keys for money-moving mutations. The unique key makes concurrent requests with the
 * same key serialize on one row; `requestHash` tells a replay from a different request under the same key.
 */
export const idempotencyKey = mysqlTable(
  "idempotency_key",
  {
    id: idPk(),
    memberId: idRef("member_id")
      .notNull()
      .references(() => member.id),
    scope: mysqlEnum("scope", ["PLACE_ORDER", "CHARGE_POINT"]).notNull(),
    // utf8mb4_bin (migration 0001): keys compare byte for byte, not case- or accent-insensitively.
    key: varchar("idem_key", { length: 255 }).notNull(),
    requestHash: char("request_hash", { length: 64 }).notNull(),
    // What the first request produced (e.g. the order id), replayed to later requests with the key.
    result: json("result"),
    createdAt: createdAt(),
    expiresAt: datetime("expires_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [
    uniqueIndex("idempotency_key_member_scope_key_uq").on(t.memberId, t.scope, t.key),
    index("idempotency_key_expires_at_idx").on(t.expiresAt),
  ],
);
