import { Column, is } from "drizzle-orm";
import type { Executor } from "./client.js";

/**
 * Builds a statement once per executor (the pool's Db lives as long as the process) and keeps it as
 * a drizzle prepared query: otherwise drizzle rebuilds the same SQL text from the query builder on
 * every call, which showed in the products-page profile. The text MariaDB receives is unchanged
 * (mysql2 still fills in the `?`).
 */
export function preparedPer<T>(build: (executor: Executor) => T): (executor: Executor) => T {
  const built = new WeakMap<Executor, T>();
  return (executor) => {
    let statement = built.get(executor);
    if (statement === undefined) {
      statement = build(executor);
      built.set(executor, statement);
    }
    return statement;
  };
}

// The column types whose values drizzle's typeCast reads as strings (it parses them itself).
const DATE_COLUMN_TYPES = new Set([
  "MySqlDate",
  "MySqlDateString",
  "MySqlDateTime",
  "MySqlDateTimeString",
  "MySqlTimestamp",
  "MySqlTimestampString",
]);

/**
 * A prepared select that mysql2 reads without drizzle's typeCast.
 *
 * drizzle's mysql2 driver gives mysql2 a typeCast function with every select, only so that DATE,
 * DATETIME and TIMESTAMP values come back as strings; for any other column it returns what mysql2
 * reads by itself. mysql2 then calls it, through a new closure, for every column of every row: on
 * the products page (60 option rows x 7 columns) dropping it cut the API's CPU per request by a
 * sixth. For a selection of plain columns without dates the values are the same either way.
 *
 * drizzle keeps the function on a field its typings call private; if that changes, this throws when
 * the statement is first prepared instead of silently doing nothing.
 */
export function withoutTypeCast<T extends object>(selection: Record<string, unknown>, prepared: T): T {
  for (const [name, field] of Object.entries(selection)) {
    if (!is(field, Column) || DATE_COLUMN_TYPES.has(field.columnType)) {
      throw new Error(`withoutTypeCast: "${name}" is not a plain column without a date`);
    }
  }
  const query: unknown = Reflect.get(prepared, "query");
  if (typeof query !== "object" || query === null || typeof Reflect.get(query, "typeCast") !== "function") {
    throw new Error("withoutTypeCast: drizzle's prepared mysql2 query no longer carries its typeCast where expected");
  }
  Reflect.deleteProperty(query, "typeCast");
  return prepared;
}
