import mysql, { type Pool, type ResultSetHeader, type RowDataPacket } from "mysql2/promise";

/**
 * Data for the order scenarios, written straight into a scratch database with multi-row INSERTs.
 * Everything it writes keeps the invariants checker happy: each wallet starts with one CHARGE ledger
 * entry equal to its balance (none for an empty wallet).
 */

const CHUNK = 1_000;

async function insertChunked(pool: Pool, sqlHead: string, rows: unknown[][]): Promise<number> {
  let firstId = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const [result] = await pool.query<ResultSetHeader>(`${sqlHead} VALUES ?`, [rows.slice(i, i + CHUNK)]);
    if (i === 0) firstId = result.insertId;
  }
  return firstId;
}

/** `count` members with `balance` points each and an empty cart, as sign-up leaves them; returns their ids in order. */
export async function createBuyers(pool: Pool, count: number, balance: number, tag: string): Promise<number[]> {
  const members = Array.from({ length: count }, (_, i) => [`${tag}-${i}`, "not-a-login", `${tag} ${i}`]);
  await insertChunked(pool, "INSERT INTO member (login_id, password_hash, nickname)", members);
  const [rows] = await pool.query<RowDataPacket[]>("SELECT id FROM member WHERE login_id LIKE ? ORDER BY id", [
    `${tag}-%`,
  ]);
  const ids = rows.map((row) => Number(row.id));
  await insertChunked(
    pool,
    "INSERT INTO point_wallet (member_id, balance)",
    ids.map((id) => [id, balance]),
  );
  // Every member has a cart from sign-up on, as the wallet.
  await insertChunked(
    pool,
    "INSERT INTO cart (member_id)",
    ids.map((id) => [id]),
  );
  if (balance > 0) {
    await insertChunked(
      pool,
      "INSERT INTO point_ledger (member_id, type, amount, balance_after)",
      ids.map((id) => [id, "CHARGE", balance, balance]),
    );
  }
  return ids;
}

export interface BenchProduct {
  productId: number;
  optionIds: number[];
}

/** `count` products, each with `optionsPerProduct` options holding `stock` units; price 1,000 + option index. */
export async function createProducts(
  pool: Pool,
  count: number,
  optionsPerProduct: number,
  stock: number,
  tag: string,
): Promise<BenchProduct[]> {
  await insertChunked(
    pool,
    "INSERT INTO product (name, price)",
    Array.from({ length: count }, (_, i) => [`${tag} ${i}`, 1_000]),
  );
  const [products] = await pool.query<RowDataPacket[]>("SELECT id FROM product WHERE name LIKE ? ORDER BY id", [
    `${tag} %`,
  ]);
  const productIds = products.map((row) => Number(row.id));
  await insertChunked(
    pool,
    "INSERT INTO product_option (product_id, name, additional_price)",
    productIds.flatMap((productId) =>
      Array.from({ length: optionsPerProduct }, (_, j) => [productId, `option ${j}`, j]),
    ),
  );
  const [options] = await pool.query<RowDataPacket[]>(
    `SELECT id, product_id FROM product_option WHERE product_id BETWEEN ? AND ? ORDER BY id`,
    [productIds[0], productIds.at(-1)],
  );
  await insertChunked(
    pool,
    "INSERT INTO stock (option_id, quantity)",
    options.map((row) => [Number(row.id), stock]),
  );
  const byProduct = new Map<number, number[]>(productIds.map((id) => [id, []]));
  for (const row of options) byProduct.get(Number(row.product_id))!.push(Number(row.id));
  return productIds.map((productId) => ({ productId, optionIds: byProduct.get(productId)! }));
}

/**
 * An empty copy of the service's tables (same columns, keys, CHECKs and foreign keys, via SHOW CREATE
 * TABLE) in database `target`, for a ceiling to write into without disturbing the service's data or
 * its invariants.
 */
export async function cloneSchema(databaseUrl: string, target: string): Promise<void> {
  const source = new URL(databaseUrl).pathname.slice(1);
  // A connection of its own: USE and foreign_key_checks must not leak into a pooled connection.
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${target}\``);
    await connection.query(`CREATE DATABASE \`${target}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await connection.query(`USE \`${target}\``);
    await connection.query("SET foreign_key_checks = 0");
    const [tables] = await connection.query<RowDataPacket[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?",
      [source],
    );
    for (const { name } of tables) {
      const [[created]] = (await connection.query<RowDataPacket[]>(
        `SHOW CREATE TABLE \`${source}\`.\`${name as string}\``,
      )) as [RowDataPacket[], unknown];
      await connection.query(String(created!["Create Table"]));
    }
  } finally {
    await connection.end();
  }
}
