import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/errors.js";
import {
  CART_LINES_MAX,
  LINE_QUANTITY_MAX,
  cartTotals,
  ensureRoomForNewLine,
  lineTotal,
  mergedLineQuantity,
  validateLineQuantity,
} from "./cart.rules.js";
import { thrown } from "../../../test/helpers/thrown.js";

describe(validateLineQuantity.name, () => {
  it.each([1, 2, LINE_QUANTITY_MAX - 1, LINE_QUANTITY_MAX])("accepts a quantity of %d", (quantity) => {
    expect(validateLineQuantity(quantity)).toBe(quantity);
  });

  it.each([0, -1, 0.5, 1.5, LINE_QUANTITY_MAX + 1, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity])(
    "refuses a quantity of %d when adding",
    (quantity) => {
      const error = thrown(() => validateLineQuantity(quantity));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details).toEqual({ field: "quantity" });
      expect(error.message).toBe(`quantity must be a whole number from 1 to ${LINE_QUANTITY_MAX}`);
    },
  );

  it.each([0, 1, LINE_QUANTITY_MAX])("accepts a quantity of %d when zero removes the line", (quantity) => {
    expect(validateLineQuantity(quantity, true)).toBe(quantity);
  });

  it.each([-1, 0.5, LINE_QUANTITY_MAX + 1, NaN, Infinity])(
    "refuses a quantity of %d even when zero removes the line",
    (quantity) => {
      const error = thrown(() => validateLineQuantity(quantity, true));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details).toEqual({ field: "quantity" });
      expect(error.message).toBe(`quantity must be a whole number from 0 to ${LINE_QUANTITY_MAX}`);
    },
  );

  it("treats an explicit false like the default: zero is refused", () => {
    expect(thrown(() => validateLineQuantity(0, false)).details.field).toBe("quantity");
  });
});

describe(mergedLineQuantity.name, () => {
  it("adds the new units to those already on the line", () => {
    expect(mergedLineQuantity(3, 4)).toBe(7);
  });

  it("starts a new line from zero", () => {
    expect(mergedLineQuantity(0, 5)).toBe(5);
  });

  it.each([
    ["from empty", 0, LINE_QUANTITY_MAX],
    ["one unit short of it", LINE_QUANTITY_MAX - 1, 1],
    ["half and half", LINE_QUANTITY_MAX / 2, LINE_QUANTITY_MAX / 2],
  ])(`lets a line reach exactly ${LINE_QUANTITY_MAX} units %s`, (_, existing, adding) => {
    expect(mergedLineQuantity(existing, adding)).toBe(LINE_QUANTITY_MAX);
  });

  it.each([
    ["one unit past it", LINE_QUANTITY_MAX, 1],
    ["from one short, by two", LINE_QUANTITY_MAX - 1, 2],
    ["by a large addition", 1, LINE_QUANTITY_MAX],
  ])(`refuses to take a line past ${LINE_QUANTITY_MAX} units %s, saying what it already has`, (_, existing, adding) => {
    const error = thrown(() => mergedLineQuantity(existing, adding));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "quantity" });
    expect(error.message).toBe(`a cart line holds at most ${LINE_QUANTITY_MAX} units; it already has ${existing}`);
  });

  it.each([0, -1, 0.5, NaN, Infinity, LINE_QUANTITY_MAX + 1])(
    "refuses to add %d units, as a bad quantity",
    (adding) => {
      const error = thrown(() => mergedLineQuantity(2, adding));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details).toEqual({ field: "quantity" });
      expect(error.message).toMatch(/whole number from 1 to/);
    },
  );
});

describe(lineTotal.name, () => {
  it.each([
    [39_000, 3, 117_000],
    [39_000, 1, 39_000],
    [0, 5, 0],
    [1_000_000_000, LINE_QUANTITY_MAX, 1_000_000_000_000],
  ])("prices %d won times %d units at %d won", (unitPrice, quantity, total) => {
    expect(lineTotal(unitPrice, quantity)).toBe(total);
  });
});

describe(cartTotals.name, () => {
  it("is zero units and zero won for an empty cart", () => {
    expect(cartTotals([])).toEqual({ totalQuantity: 0, totalAmount: 0 });
  });

  it("counts the units and prices every line at its current unit price", () => {
    expect(
      cartTotals([
        { unitPrice: 39_000, quantity: 2 },
        { unitPrice: 0, quantity: 5 },
        { unitPrice: 1_500, quantity: 1 },
      ]),
    ).toEqual({ totalQuantity: 8, totalAmount: 79_500 });
  });

  it("totals a single line as that line", () => {
    expect(cartTotals([{ unitPrice: 7, quantity: 3 }])).toEqual({ totalQuantity: 3, totalAmount: 21 });
  });
});

describe(ensureRoomForNewLine.name, () => {
  it(`allows a new line while the cart holds fewer than ${CART_LINES_MAX}`, () => {
    expect(() => ensureRoomForNewLine(CART_LINES_MAX - 1)).not.toThrow();
  });

  it("refuses a new line in a full cart", () => {
    const error = thrown(() => ensureRoomForNewLine(CART_LINES_MAX));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "productId" });
  });
});
