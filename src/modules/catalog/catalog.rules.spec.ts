import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/errors.js";
import {
  NAME_MAX,
  OPTIONS_MAX,
  PRICE_MAX,
  STOCK_MAX,
  ensureInStock,
  optionPrice,
  pickOption,
  restockedQuantity,
  totalStock,
  validateCreateProduct,
  type CreateProductInput,
  type CreateProductOptionInput,
} from "./catalog.rules.js";
import { thrown } from "../../../test/helpers/thrown.js";

const product = (overrides: Partial<CreateProductInput> = {}): CreateProductInput => ({
  name: "Linen shirt",
  price: 39_000,
  ...overrides,
});

const option = (overrides: Partial<CreateProductOptionInput> = {}): CreateProductOptionInput => ({
  name: "M",
  additionalPrice: 0,
  stock: 5,
  ...overrides,
});

/** Names no product or option may have: nothing visible, too long, or hiding control/format characters. */
const badNames: Array<[string, string]> = [
  ["that is empty", ""],
  ["of only spaces", "   "],
  ["of only tabs and newlines", "\t\n\r"],
  ["of only a byte-order mark", "\uFEFF"],
  ["one character too long", "a".repeat(NAME_MAX + 1)],
  ["one emoji too long", "👕".repeat(NAME_MAX + 1)],
  ["with an inner newline", "Linen\nshirt"],
  ["with an inner tab", "Linen\tshirt"],
  ["with a NUL", "Linen\u0000shirt"],
  ["with a DEL", "Linen\u007Fshirt"],
  ["with a C1 control", "Linen\u0085shirt"],
  ["with a zero-width space", "Linen\u200Bshirt"],
  ["of only a zero-width joiner", "\u200D"],
  ["with a word joiner", "Linen\u2060shirt"],
  ["with a soft hyphen", "Lin\u00ADen"],
  ["with a right-to-left override", "Linen \u202Etrihs"],
  ["with an inner byte-order mark", "Linen\uFEFFshirt"],
];

describe(validateCreateProduct.name, () => {
  describe("without options", () => {
    it("gives the product one option named like it, at no extra price, holding the product's stock", () => {
      expect(validateCreateProduct(product({ name: "  Linen shirt  ", stock: 7 }))).toEqual({
        name: "Linen shirt",
        price: 39_000,
        options: [{ name: "Linen shirt", additionalPrice: 0, stock: 7 }],
      });
    });

    it.each([undefined, null])("starts that option at zero stock when stock and options are %s", (stock) => {
      expect(validateCreateProduct(product({ stock, options: stock })).options).toEqual([
        { name: "Linen shirt", additionalPrice: 0, stock: 0 },
      ]);
    });

    it.each([0, STOCK_MAX])("accepts a stock of %d", (stock) => {
      expect(validateCreateProduct(product({ stock })).options[0]?.stock).toBe(stock);
    });

    it.each([-1, 0.5, STOCK_MAX + 1, NaN, Infinity])("refuses a stock of %d", (stock) => {
      const error = thrown(() => validateCreateProduct(product({ stock })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("stock");
    });
  });

  describe("name", () => {
    it.each(["Linen shirt", "린넨 셔츠", "Café crème", "T-shirt (L) / 100% cotton", "👕 Tee", "x"])(
      "accepts %j",
      (name) => {
        expect(validateCreateProduct(product({ name })).name).toBe(name);
      },
    );

    it(`counts characters, not UTF-16 units, against the ${NAME_MAX}-character limit`, () => {
      const name = "👕".repeat(NAME_MAX);
      expect(name.length).toBe(2 * NAME_MAX);
      expect(validateCreateProduct(product({ name })).name).toBe(name);
    });

    it("measures the limit after trimming", () => {
      const name = "a".repeat(NAME_MAX);
      expect(validateCreateProduct(product({ name: `  ${name}  ` })).name).toBe(name);
    });

    it.each(badNames)("refuses a name %s", (_, name) => {
      const error = thrown(() => validateCreateProduct(product({ name })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("name");
    });
  });

  describe("price", () => {
    it.each([0, 1, PRICE_MAX])("accepts a price of %d won", (price) => {
      expect(validateCreateProduct(product({ price })).price).toBe(price);
    });

    it.each([-1, 0.5, 1000.01, PRICE_MAX + 1, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, -Infinity])(
      "refuses a price of %d",
      (price) => {
        const error = thrown(() => validateCreateProduct(product({ price })));
        expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
        expect(error.details.field).toBe("price");
      },
    );
  });

  describe("with options", () => {
    it("keeps the options in order, with trimmed names, their own stock and extra price", () => {
      const result = validateCreateProduct(
        product({
          options: [
            option({ name: " S ", additionalPrice: -1000, stock: 0 }),
            option({ name: "XL", additionalPrice: 2000, stock: 3 }),
          ],
        }),
      );
      expect(result).toEqual({
        name: "Linen shirt",
        price: 39_000,
        options: [
          { name: "S", additionalPrice: -1000, stock: 0 },
          { name: "XL", additionalPrice: 2000, stock: 3 },
        ],
      });
    });

    it.each([0, 10])("refuses a product-level stock of %d next to options, as ambiguous", (stock) => {
      const error = thrown(() => validateCreateProduct(product({ stock, options: [option()] })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("stock");
    });

    it(`accepts exactly ${OPTIONS_MAX} options`, () => {
      const options = Array.from({ length: OPTIONS_MAX }, (_, i) => option({ name: `Size ${i}` }));
      expect(validateCreateProduct(product({ options })).options).toHaveLength(OPTIONS_MAX);
    });

    it.each([
      ["no options", 0],
      ["one option too many", OPTIONS_MAX + 1],
    ])("refuses %s", (_, count) => {
      const options = Array.from({ length: count }, (_, i) => option({ name: `Size ${i}` }));
      const error = thrown(() => validateCreateProduct(product({ options })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("options");
    });

    // The same check as the product name; a few of its cases show it applies per option.
    it.each([
      ["blank", "  "],
      ["too long", "a".repeat(NAME_MAX + 1)],
      ["with a zero-width space", "M\u200B"],
    ])("refuses an option name %s, naming the option", (_, name) => {
      const error = thrown(() =>
        validateCreateProduct(product({ options: [option({ name: "S" }), option({ name })] })),
      );
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("options[1].name");
    });

    it.each([
      ["the same name", "Red", "Red"],
      ["names differing only by case", "Red", "RED"],
      ["names differing only by surrounding spaces", "Red", "  red "],
      ["non-ASCII names differing only by case", "Ärger", "äRGER"],
    ])("refuses two options with %s, naming the second", (_, first, second) => {
      const options = [option({ name: first }), option({ name: "Blue" }), option({ name: second })];
      const error = thrown(() => validateCreateProduct(product({ options })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("options[2].name");
      expect(error.message).toContain(second.trim());
    });

    it("lets an option cost less than the product, down to exactly zero", () => {
      const result = validateCreateProduct(product({ price: 1000, options: [option({ additionalPrice: -1000 })] }));
      expect(result.options[0]?.additionalPrice).toBe(-1000);
    });

    it(`lets an option cost up to exactly ${PRICE_MAX} won`, () => {
      const result = validateCreateProduct(
        product({ price: 1000, options: [option({ additionalPrice: PRICE_MAX - 1000 })] }),
      );
      expect(result.options[0]?.additionalPrice).toBe(PRICE_MAX - 1000);
    });

    it.each([
      ["brings the option price below zero", -1001],
      ["brings the option price above the maximum", PRICE_MAX - 999],
      ["is fractional", 0.5],
      ["is not a number", NaN],
      ["is infinite", Infinity],
      ["is beyond safe integers", Number.MAX_SAFE_INTEGER + 1],
    ])("refuses an additional price that %s", (_, additionalPrice) => {
      const options = [option({ name: "S" }), option({ name: "L", additionalPrice })];
      const error = thrown(() => validateCreateProduct(product({ price: 1000, options })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("options[1].additionalPrice");
    });

    it.each([0, STOCK_MAX])("accepts an option stock of %d", (stock) => {
      expect(validateCreateProduct(product({ options: [option({ stock })] })).options[0]?.stock).toBe(stock);
    });

    it.each([-1, 2.5, STOCK_MAX + 1, NaN])("refuses an option stock of %d, naming the option", (stock) => {
      const options = [option({ name: "S" }), option({ name: "L", stock })];
      const error = thrown(() => validateCreateProduct(product({ options })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("options[1].stock");
    });
  });
});

describe(optionPrice.name, () => {
  it("adds the option's extra price, which may be negative, to the product price", () => {
    expect(optionPrice(39_000, 2_000)).toBe(41_000);
    expect(optionPrice(39_000, -9_000)).toBe(30_000);
  });
});

describe(totalStock.name, () => {
  it("sums the options' stock, and is zero without options", () => {
    expect(totalStock([3, 0, 4])).toBe(7);
    expect(totalStock([])).toBe(0);
  });
});

describe(restockedQuantity.name, () => {
  it("adds the quantity to the current stock", () => {
    expect(restockedQuantity(5, 3)).toBe(8);
    expect(restockedQuantity(0, 1)).toBe(1);
  });

  it(`allows the stock to reach exactly ${STOCK_MAX}`, () => {
    expect(restockedQuantity(0, STOCK_MAX)).toBe(STOCK_MAX);
    expect(restockedQuantity(STOCK_MAX - 1, 1)).toBe(STOCK_MAX);
  });

  it.each([0, -1, 1.5, NaN, Infinity, STOCK_MAX + 1])("refuses a quantity of %d", (quantity) => {
    const error = thrown(() => restockedQuantity(0, quantity));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("quantity");
    expect(error.message).toMatch(/whole number/);
  });

  it(`refuses a restock that would take the stock past ${STOCK_MAX}`, () => {
    const error = thrown(() => restockedQuantity(STOCK_MAX, 1));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("quantity");
    expect(error.message).toMatch(/exceed/);
  });
});

describe(pickOption.name, () => {
  const small = { id: 11, productId: 1, stock: 4 };
  const large = { id: 12, productId: 1, stock: 0 };

  it("takes the only option when none is named", () => {
    expect(pickOption(1, [small], null)).toBe(small);
  });

  it("takes the named option", () => {
    expect(pickOption(1, [small, large], 12)).toBe(large);
    expect(pickOption(1, [small], 11)).toBe(small);
  });

  it("asks which option when the product has several and none is named", () => {
    const error = thrown(() => pickOption(1, [small, large], null));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("optionId");
  });

  it("does not find an option of another product", () => {
    const error = thrown(() => pickOption(1, [small, large], 99));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.details.id).toBe("99");
  });

  it.each([null, 11])("does not find a product without options (unknown or delisted), with optionId %s", (optionId) => {
    const error = thrown(() => pickOption(1, [], optionId));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.details.id).toBe("1");
  });
});

describe(ensureInStock.name, () => {
  const option = { id: 11, productId: 1, stock: 3 };

  it.each([1, 3])("lets %d of 3 units through", (requested) => {
    expect(() => ensureInStock(option, requested)).not.toThrow();
  });

  it("refuses more units than are left, saying how many are", () => {
    const error = thrown(() => ensureInStock(option, 4));
    expect(error.code).toBe(ErrorCode.INSUFFICIENT_STOCK);
    expect(error.details).toEqual({ productId: "1", optionId: "11", available: 3, requested: 4 });
  });

  it("refuses any unit of a sold-out option", () => {
    expect(thrown(() => ensureInStock({ ...option, stock: 0 }, 1)).code).toBe(ErrorCode.INSUFFICIENT_STOCK);
  });
});
