import { describe, expect, it } from "vitest";
import { ErrorCode } from "./errors.js";
import { parseId } from "./ids.js";
import { thrown } from "../../test/helpers/thrown.js";

describe(parseId.name, () => {
  it.each<[string | number, number]>([
    ["1", 1],
    ["42", 42],
    [42, 42],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])("reads %j as row id %d", (value, id) => {
    expect(parseId(value, "productId")).toBe(id);
  });

  it.each<[string, string | number]>([
    ["an empty id", ""],
    ["id 0", "0"],
    ["an id with a leading zero", "007"],
    ["a negative id", "-1"],
    ["an id with a plus sign", "+1"],
    ["a fractional id", "1.5"],
    ["an id with surrounding spaces", " 1 "],
    ["an id with a trailing newline", "1\n"],
    ["an id in exponent notation", "1e3"],
    ["a hexadecimal id", "0x1f"],
    ["an id of fullwidth digits", "１２"],
    ["letters", "abc"],
    ["a 17-digit id", "12345678901234567"],
    ["the number 0", 0],
    ["a negative number", -3],
    ["a fractional number", 1.5],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["a number JavaScript prints in exponent notation", 1e21],
  ])("refuses %s as not a row id, naming the argument", (_, value) => {
    const error = thrown(() => parseId(value, "optionId"));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("optionId");
    expect(error.message).toBe("optionId must be the decimal id of a row");
  });

  it.each(["9007199254740992", "9999999999999999"])("refuses %s as out of range: past 2^53 - 1", (value) => {
    const error = thrown(() => parseId(value, "id"));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("id");
    expect(error.message).toBe("id is out of range");
  });
});
