import { bigint, datetime } from "drizzle-orm/mysql-core";
import { sql } from "drizzle-orm";

/** Foreign key column matching `idPk` (BIGINT UNSIGNED), read as a JS number (ids stay < 2^53). */
export const idRef = (name: string) => bigint(name, { mode: "number", unsigned: true });

/** Money and points: whole won in a signed BIGINT, read as a JS number (every amount stays < 2^53). */
export const money = (name: string) => bigint(name, { mode: "number" });

/** Millisecond timestamps; the server and the pool both use UTC. */
export const createdAt = () =>
  datetime("created_at", { mode: "date", fsp: 3 })
    .notNull()
    .default(sql`CURRENT_TIMESTAMP(3)`);
export const updatedAt = () =>
  datetime("updated_at", { mode: "date", fsp: 3 })
    .notNull()
    .default(sql`CURRENT_TIMESTAMP(3)`)
    .$onUpdate(() => new Date());

/**
 * Surrogate key: BIGINT UNSIGNED AUTO_INCREMENT. Not drizzle's `serial`, whose DDL
 * ("serial AUTO_INCREMENT") MariaDB rejects and which adds a redundant UNIQUE index.
 */
export const idPk = () => bigint("id", { mode: "number", unsigned: true }).autoincrement().primaryKey();
