import { sql } from "drizzle-orm";
import { check, mysqlEnum, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { createdAt, idPk, updatedAt } from "./columns.js";

export const member = mysqlTable(
  "member",
  {
    id: idPk(),
    // The canonical form only (member.rules canonicalLoginId), compared byte for byte: utf8mb4_bin
    // (migration 0004), so "Alice", "alice " or "àlice" can never find alice's row the way the
    // database's case- and accent-insensitive default collation did.
    loginId: varchar("login_id", { length: 50 }).notNull(),
    // "scrypt$N$r$p$salt$hash": parameters travel with the hash so they can be raised later.
    passwordHash: varchar("password_hash", { length: 255 }).notNull(),
    nickname: varchar("nickname", { length: 50 }).notNull(),
    role: mysqlEnum("role", ["MEMBER", "ADMIN"]).notNull().default("MEMBER"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("member_login_id_uq").on(t.loginId),
    // What sign-up accepts, canonical: lower case, no space. utf8mb4_bin pads with spaces when it
    // compares (PAD SPACE), so a stored id must not end in one. "No character outside the set" rather
    // than ^...$, whose $ also matches before a final newline; REGEXP follows the column's binary
    // collation, so the set is case-sensitive.
    check("member_login_id_canonical", sql`char_length(${t.loginId}) >= 4 and ${t.loginId} not regexp '[^a-z0-9._-]'`),
  ],
);
