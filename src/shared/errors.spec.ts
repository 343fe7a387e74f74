import { describe, expect, it } from "vitest";
import { DomainError, ErrorCode, badUserInput, notFound } from "./errors.js";

describe(DomainError.name, () => {
  it("is an Error carrying its code, message and details", () => {
    const error = new DomainError(ErrorCode.INSUFFICIENT_STOCK, "only 2 left", { optionId: "7", available: 2 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("DomainError");
    expect(error.code).toBe("INSUFFICIENT_STOCK");
    expect(error.message).toBe("only 2 left");
    expect(error.details).toEqual({ optionId: "7", available: 2 });
  });

  it("has no details unless given some", () => {
    expect(new DomainError(ErrorCode.CONFLICT, "taken").details).toEqual({});
  });
});

describe("ErrorCode", () => {
  it("spells each code exactly as clients receive it in extensions.code", () => {
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(key);
  });
});

describe(badUserInput.name, () => {
  it("is BAD_USER_INPUT naming the field at fault", () => {
    const error = badUserInput("price", "price must be positive");
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toBe("price must be positive");
    expect(error.details).toEqual({ field: "price" });
  });
});

describe(notFound.name, () => {
  it.each([7, "7"])("is NOT_FOUND naming what was missing, with the id %j as a string", (id) => {
    const error = notFound("product", id);
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.message).toBe("product 7 was not found");
    expect(error.details).toEqual({ id: "7" });
  });
});
