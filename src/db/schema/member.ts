import { mysqlEnum, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { createdAt, idPk, updatedAt } from "./columns.js";

export const member = mysqlTable(
  "member",
  {
    id: idPk(),
    loginId: varchar("login_id", { length: 50 }).notNull(),
    // "scrypt$N$r$p$salt$hash": parameters travel with the hash so they can be raised later.
    passwordHash: varchar("password_hash", { length: 255 }).notNull(),
    nickname: varchar("nickname", { length: 50 }).notNull(),
    role: mysqlEnum("role", ["MEMBER", "ADMIN"]).notNull().default("MEMBER"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("member_login_id_uq").on(t.loginId)],
);
