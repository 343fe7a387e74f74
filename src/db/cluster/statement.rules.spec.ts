import { describe, expect, it } from "vitest";
import { isReadOnlyStatement } from "./statement.rules.js";

describe("isReadOnlyStatement", () => {
  it.each([
    "select `id`, `name` from `product` where `product`.`id` in (?)",
    "  SELECT 1",
    "(select id from orders) union (select id from orders)",
    "/* loader */ select quantity from stock",
    "WITH recent AS (SELECT id FROM orders) SELECT * FROM recent",
  ])("reads: %s", (sql) => {
    expect(isReadOnlyStatement(sql)).toBe(true);
  });

  it.each([
    "insert into orders (member_id) values (?)",
    "UPDATE stock SET quantity = quantity - 1",
    "delete from cart_item",
    "select quantity from stock where option_id = ? for update",
    "SELECT quantity FROM stock LOCK IN SHARE MODE",
    "select quantity from stock for share",
    "SELECT @x := 1 INTO @y",
    "SET SESSION wsrep_sync_wait = 1",
    "",
  ])("may write or lock: %s", (sql) => {
    expect(isReadOnlyStatement(sql)).toBe(false);
  });
});
