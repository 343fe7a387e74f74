import { char, datetime, index, json, mysqlEnum, mysqlTable, uniqueIndex, varbinary } from "drizzle-orm/mysql-core";
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
    scope: mysqlEnum("scope", ["PLACE_ORDER", "CHARGE_POINT", "START_CHECKOUT"]).notNull(),
    // The key's UTF-8 bytes (migration 0003): keys compare byte for byte, not case- or
    // accent-insensitively, and trailing spaces count ("k" and "k " are two keys). A binary string
    // does both on MariaDB and MySQL alike; a _bin collation pads spaces (PAD SPACE) and the NO PAD
    // ones are named differently on the two servers. 1,020 bytes hold 255 characters of UTF-8.
    key: varbinary("idem_key", { length: 1020 }).notNull(),
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
