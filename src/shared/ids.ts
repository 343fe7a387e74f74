import { badUserInput } from "./errors.js";

// Row keys are BIGINT UNSIGNED read as JS numbers; ids above 2^53-1 cannot exist in this service.
const DECIMAL_ID = /^[1-9][0-9]{0,15}$/;

/**
 * Parses a GraphQL `ID` (the decimal string of a row key). Anything else, including ids too large to
 * be a row of ours, is BAD_USER_INPUT naming the argument, so a malformed id never reaches SQL.
 */
export function parseId(value: string | number, field: string): number {
  const text = String(value);
  if (!DECIMAL_ID.test(text)) throw badUserInput(field, `${field} must be the decimal id of a row`);
  const id = Number(text);
  if (!Number.isSafeInteger(id)) throw badUserInput(field, `${field} is out of range`);
  return id;
}
