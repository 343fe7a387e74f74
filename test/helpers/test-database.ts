import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";

const SERVER_URL = process.env.TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

/** A database URL of its own for one test file; the database itself is created by the app's start-up. */
export function uniqueDatabaseUrl(label: string): string {
  const name = `test_${label.replace(/[^A-Za-z0-9]/g, "_").slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  return `${SERVER_URL}/${name}`;
}

/** Drops the database on the server its URL names (the test server, or a test's own cluster node). */
export async function dropDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = server.pathname.slice(1);
  server.pathname = "";
  const connection = await mysql.createConnection({ uri: server.toString() });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
