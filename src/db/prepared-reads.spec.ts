import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { product, productOption } from "./schema/index.js";
import { withoutTypeCast } from "./prepared-reads.js";

// Preparing a statement sends nothing, so the pool never connects.
const pool = mysql.createPool({ uri: "mysql://root@127.0.0.1:3306/unused" });
const db = drizzle({ client: pool, mode: "default" });
afterAll(() => pool.end());

const typeCastOf = (prepared: object): unknown => Reflect.get(Reflect.get(prepared, "query") as object, "typeCast");

describe(withoutTypeCast.name, () => {
  it("drops drizzle's typeCast from a select of plain columns", () => {
    const columns = { id: productOption.id, name: productOption.name, price: product.price };
    const prepared = db
      .select(columns)
      .from(productOption)
      .innerJoin(product, eq(product.id, productOption.productId))
      .prepare();
    expect(typeCastOf(prepared)).toBeTypeOf("function");
    expect(typeCastOf(withoutTypeCast(columns, prepared))).toBeUndefined();
  });

  it("refuses a selection with a date column, whose values need the typeCast", () => {
    const columns = { id: product.id, deletedAt: product.deletedAt };
    expect(() => withoutTypeCast(columns, db.select(columns).from(product).prepare())).toThrow(/deletedAt/);
  });

  it("refuses what is not a drizzle prepared mysql2 select", () => {
    expect(() => withoutTypeCast({ id: product.id }, {})).toThrow(/typeCast/);
  });
});
