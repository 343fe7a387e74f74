import { char, datetime, index, mysqlTable } from "drizzle-orm/mysql-core";

/**
 * One row per batched transaction (src/db/batched-transaction.ts), inserted in its COMMIT batch, so
 * that when the answer to a COMMIT is lost (the connection dropped after the server got it) the
 * outcome can be found out instead of guessed: the primary key arbitrates between the transaction
 * and the resolver, which inserts the same token on a fresh connection. If the resolver's insert
 * finds the row, the transaction committed; if the insert succeeds, the transaction did not commit
 * and now never can (its own insert of the token would fail). Rows are deleted after a day.
 */
export const commitToken = mysqlTable(
  "commit_token",
  {
    token: char("token", { length: 36 }).primaryKey(),
    createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [index("commit_token_created_at_idx").on(t.createdAt)],
);
