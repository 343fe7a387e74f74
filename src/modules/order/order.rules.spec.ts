import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/errors.js";
import {
  ORDER_LINES_MAX,
  ORDER_LINE_QUANTITY_MAX,
  cancelLines,
  ensureStockCovers,
  mergeLines,
  orderStatusOf,
  priceLines,
  splitRefund,
  stockAfter,
  stockKeptChanging,
  unitsByOption,
  validateOrderSource,
  type OptionSnapshot,
  type OrderItemStatus,
  type OrderLine,
  type OrderLineState,
  type RequestedLine,
} from "./order.rules.js";
import { thrown } from "../../../test/helpers/thrown.js";

const requested = (overrides: Partial<RequestedLine> = {}): RequestedLine => ({
  productId: 1,
  optionId: null,
  quantity: 1,
  ...overrides,
});

const lines = (count: number): RequestedLine[] =>
  Array.from({ length: count }, (_, i) => requested({ productId: i + 1 }));

describe(validateOrderSource.name, () => {
  it("takes the given items", () => {
    expect(validateOrderSource([requested()], null)).toBe("items");
  });

  it.each([undefined, null, false])("takes the items when fromCart is %s", (fromCart) => {
    expect(validateOrderSource([requested()], fromCart)).toBe("items");
  });

  it.each([undefined, null])("takes the cart when fromCart is true and items are %s", (items) => {
    expect(validateOrderSource(items, true)).toBe("cart");
  });

  it.each([
    ["both items and fromCart: true", [requested()], true],
    ["both an empty item list and fromCart: true", [], true],
    ["neither (both null)", null, null],
    ["neither (both left out)", undefined, undefined],
    ["neither (fromCart: false)", null, false],
  ] as const)("refuses %s", (_, items, fromCart) => {
    const error = thrown(() => validateOrderSource(items, fromCart));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "input" });
    expect(error.message).toBe("give exactly one of items or fromCart: true");
  });

  it.each([1, ORDER_LINES_MAX])("accepts %d lines", (count) => {
    expect(validateOrderSource(lines(count), null)).toBe("items");
  });

  it.each([0, ORDER_LINES_MAX + 1])("refuses %d lines", (count) => {
    const error = thrown(() => validateOrderSource(lines(count), null));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "items" });
    expect(error.message).toBe(`an order has 1 to ${ORDER_LINES_MAX} lines`);
  });

  it.each([1, ORDER_LINE_QUANTITY_MAX])("accepts a line of %d units", (quantity) => {
    expect(validateOrderSource([requested({ quantity })], null)).toBe("items");
  });

  it.each([0, -1, 0.5, ORDER_LINE_QUANTITY_MAX + 1, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, -Infinity])(
    "refuses a line of %d units, naming the line",
    (quantity) => {
      const items = [requested(), requested({ productId: 2 }), requested({ productId: 3, quantity })];
      const error = thrown(() => validateOrderSource(items, false));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details).toEqual({ field: "items[2].quantity" });
      expect(error.message).toBe(`quantity must be a whole number from 1 to ${ORDER_LINE_QUANTITY_MAX}`);
    },
  );

  it("names the first bad line when several are bad", () => {
    const items = [requested(), requested({ quantity: 0 }), requested({ quantity: -5 })];
    expect(thrown(() => validateOrderSource(items, null)).details.field).toBe("items[1].quantity");
  });
});

describe(mergeLines.name, () => {
  it(`refuses more than ${ORDER_LINES_MAX} distinct options, as a large cart would bring`, () => {
    const lines = Array.from({ length: ORDER_LINES_MAX + 1 }, (_, index) => line(index + 1, 1));
    expect(thrown(() => mergeLines(lines)).details).toEqual({ field: "items" });
    expect(mergeLines(lines.slice(1))).toHaveLength(ORDER_LINES_MAX);
  });

  const line = (optionId: number, quantity: number, productId = 1): OrderLine => ({ productId, optionId, quantity });

  it("sorts the lines by option id, ascending", () => {
    expect(mergeLines([line(30, 1, 3), line(10, 2, 1), line(20, 3, 2)])).toEqual([
      line(10, 2, 1),
      line(20, 3, 2),
      line(30, 1, 3),
    ]);
  });

  it("sorts option ids numerically, not as text", () => {
    expect(mergeLines([line(100, 1), line(9, 1), line(20, 1)]).map((merged) => merged.optionId)).toEqual([9, 20, 100]);
  });

  it("merges lines of the same option into one, adding their quantities", () => {
    expect(mergeLines([line(20, 2), line(10, 1), line(20, 3), line(20, 4)])).toEqual([line(10, 1), line(20, 9)]);
  });

  it("leaves the given lines as they were", () => {
    const given = [line(20, 2), line(20, 3)];
    mergeLines(given);
    expect(given).toEqual([line(20, 2), line(20, 3)]);
  });

  it("keeps a single line as it is", () => {
    expect(mergeLines([line(7, 5, 2)])).toEqual([line(7, 5, 2)]);
  });

  it("gives no lines for no lines", () => {
    expect(mergeLines([])).toEqual([]);
  });

  it(`lets merged lines reach exactly ${ORDER_LINE_QUANTITY_MAX} units`, () => {
    expect(mergeLines([line(10, ORDER_LINE_QUANTITY_MAX - 1), line(10, 1)])).toEqual([
      line(10, ORDER_LINE_QUANTITY_MAX),
    ]);
  });

  it.each([
    ["one unit past the maximum", [ORDER_LINE_QUANTITY_MAX, 1]],
    ["several lines past it together", [400, 400, 201]],
    ["two full lines", [ORDER_LINE_QUANTITY_MAX, ORDER_LINE_QUANTITY_MAX]],
  ])(`refuses lines of one option that add up to more than ${ORDER_LINE_QUANTITY_MAX} units: %s`, (_, quantities) => {
    const error = thrown(() => mergeLines([line(5, 1), ...quantities.map((quantity) => line(10, quantity))]));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toEqual({ field: "items" });
    expect(error.message).toBe(`quantity must be a whole number from 1 to ${ORDER_LINE_QUANTITY_MAX}`);
  });
});

describe(ensureStockCovers.name, () => {
  const line = (optionId: number, quantity: number, productId = 1): OrderLine => ({ productId, optionId, quantity });

  it.each([
    ["just covers", 3, 3],
    ["has more than enough", 3, 100],
  ])("lets the order through when the stock %s", (_, quantity, stock) => {
    expect(() => ensureStockCovers([line(10, quantity)], new Map([[10, stock]]))).not.toThrow();
  });

  it("lets an order with no lines through", () => {
    expect(() => ensureStockCovers([], new Map())).not.toThrow();
  });

  it("refuses a line asking for one unit more than is left, saying how many are", () => {
    const error = thrown(() => ensureStockCovers([line(10, 4, 7)], new Map([[10, 3]])));
    expect(error.code).toBe(ErrorCode.INSUFFICIENT_STOCK);
    expect(error.details).toEqual({ productId: "7", optionId: "10", available: 3, requested: 4 });
    expect(error.message).toBe("only 3 left of option 10 of product 7; 4 requested");
  });

  it("names the first short line in option order", () => {
    const stock = new Map([
      [10, 5],
      [20, 1],
      [30, 0],
    ]);
    const error = thrown(() => ensureStockCovers([line(10, 5, 1), line(20, 2, 2), line(30, 1, 3)], stock));
    expect(error.details).toEqual({ productId: "2", optionId: "20", available: 1, requested: 2 });
  });

  it("treats an option missing from the stock as having none", () => {
    const error = thrown(() => ensureStockCovers([line(10, 1), line(20, 1, 2)], new Map([[10, 1]])));
    expect(error.code).toBe(ErrorCode.INSUFFICIENT_STOCK);
    expect(error.details).toEqual({ productId: "2", optionId: "20", available: 0, requested: 1 });
  });

  it("refuses any unit of a sold-out option", () => {
    const error = thrown(() => ensureStockCovers([line(10, 1)], new Map([[10, 0]])));
    expect(error.details).toEqual({ productId: "1", optionId: "10", available: 0, requested: 1 });
  });
});

describe(priceLines.name, () => {
  const options = new Map<number, OptionSnapshot>([
    [10, { id: 10, productName: "Linen shirt", name: "M", price: 39_000 }],
    [20, { id: 20, productName: "Linen shirt", name: "XL", price: 41_000 }],
    [30, { id: 30, productName: "Sticker", name: "Sticker", price: 0 }],
  ]);

  it("snapshots each line's names and unit price, and prices the line", () => {
    const { lines: priced } = priceLines([{ productId: 1, optionId: 20, quantity: 3 }], options);
    expect(priced).toEqual([
      {
        productId: 1,
        optionId: 20,
        quantity: 3,
        productName: "Linen shirt",
        optionName: "XL",
        unitPrice: 41_000,
        amount: 123_000,
      },
    ]);
  });

  it("keeps the lines in their order and totals their amounts", () => {
    const result = priceLines(
      [
        { productId: 1, optionId: 10, quantity: 2 },
        { productId: 2, optionId: 30, quantity: 5 },
        { productId: 1, optionId: 20, quantity: 1 },
      ],
      options,
    );
    expect(result.lines.map((line) => [line.optionId, line.amount])).toEqual([
      [10, 78_000],
      [30, 0],
      [20, 41_000],
    ]);
    expect(result.totalAmount).toBe(119_000);
  });

  it("totals no lines at zero", () => {
    expect(priceLines([], options)).toEqual({ lines: [], totalAmount: 0 });
  });

  it("prices the largest line exactly", () => {
    const big = new Map([[1, { id: 1, productName: "Car", name: "Car", price: 1_000_000_000 }]]);
    expect(priceLines([{ productId: 1, optionId: 1, quantity: ORDER_LINE_QUANTITY_MAX }], big).totalAmount).toBe(
      1_000_000_000_000,
    );
  });
});

describe(orderStatusOf.name, () => {
  it.each<[string, OrderItemStatus[], string]>([
    ["PAID when every line is paid", ["PAID", "PAID"], "PAID"],
    ["PAID for a single paid line", ["PAID"], "PAID"],
    ["CANCELLED when every line is cancelled", ["CANCELLED", "CANCELLED"], "CANCELLED"],
    ["CANCELLED for a single cancelled line", ["CANCELLED"], "CANCELLED"],
    [
      "PARTIALLY_CANCELLED when some lines are paid and some cancelled",
      ["PAID", "CANCELLED", "PAID"],
      "PARTIALLY_CANCELLED",
    ],
    ["PARTIALLY_CANCELLED whichever line is cancelled", ["CANCELLED", "PAID"], "PARTIALLY_CANCELLED"],
  ])("is %s", (_, statuses, status) => {
    expect(orderStatusOf(statuses)).toBe(status);
  });
});

describe(cancelLines.name, () => {
  const state = (id: number, amount: number, status: OrderItemStatus = "PAID"): OrderLineState => ({
    id,
    optionId: id * 10,
    productId: 1,
    quantity: 2,
    amount,
    status,
  });
  const order = [state(1, 10_000), state(2, 20_000), state(3, 30_000)];

  it("cancels one line, refunding its amount, and leaves the order partially cancelled", () => {
    expect(cancelLines(order, [2], 0)).toEqual({
      cancelled: [{ ...state(2, 20_000), status: "CANCELLED" }],
      refund: 20_000,
      status: "PARTIALLY_CANCELLED",
      refundedAmount: 20_000,
    });
  });

  it("leaves the given lines as they were", () => {
    cancelLines(order, [2], 0);
    expect(order.map((line) => line.status)).toEqual(["PAID", "PAID", "PAID"]);
  });

  it("cancels every line still paid when given no line ids, and the order becomes cancelled", () => {
    const result = cancelLines([state(1, 10_000), state(2, 20_000, "CANCELLED"), state(3, 30_000)], null, 20_000);
    expect(result).toEqual({
      cancelled: [
        { ...state(1, 10_000), status: "CANCELLED" },
        { ...state(3, 30_000), status: "CANCELLED" },
      ],
      refund: 40_000,
      status: "CANCELLED",
      refundedAmount: 60_000,
    });
  });

  it("cancels the last paid line and the order becomes cancelled", () => {
    const result = cancelLines([state(1, 10_000, "CANCELLED"), state(2, 20_000)], [2], 10_000);
    expect(result.status).toBe("CANCELLED");
    expect(result.refund).toBe(20_000);
    expect(result.refundedAmount).toBe(30_000);
  });

  it("cancels several named lines at once", () => {
    const result = cancelLines(order, [3, 1], 0);
    expect(result.cancelled.map((line) => line.id)).toEqual([1, 3]);
    expect(result.refund).toBe(40_000);
    expect(result.status).toBe("PARTIALLY_CANCELLED");
  });

  it("refunds a zero-amount line", () => {
    const result = cancelLines([state(1, 0), state(2, 5_000)], [1], 0);
    expect(result).toMatchObject({ refund: 0, refundedAmount: 0, status: "PARTIALLY_CANCELLED" });
  });

  it("goes PAID -> PARTIALLY_CANCELLED -> CANCELLED, accumulating the refunded amount", () => {
    let lines: OrderLineState[] = [state(1, 10_000), state(2, 20_000), state(3, 30_000)];
    expect(orderStatusOf(lines.map((line) => line.status))).toBe("PAID");
    let refunded = 0;

    const apply = (lineIds: number[] | null) => {
      const result = cancelLines(lines, lineIds, refunded);
      const cancelled = new Map(result.cancelled.map((line) => [line.id, line]));
      lines = lines.map((line) => cancelled.get(line.id) ?? line);
      refunded = result.refundedAmount;
      return result;
    };

    expect(apply([1])).toMatchObject({ refund: 10_000, refundedAmount: 10_000, status: "PARTIALLY_CANCELLED" });
    expect(apply([3])).toMatchObject({ refund: 30_000, refundedAmount: 40_000, status: "PARTIALLY_CANCELLED" });
    expect(apply(null)).toMatchObject({ refund: 20_000, refundedAmount: 60_000, status: "CANCELLED" });
    expect(lines.every((line) => line.status === "CANCELLED")).toBe(true);
    expect(orderStatusOf(lines.map((line) => line.status))).toBe("CANCELLED");

    const error = thrown(() => apply(null));
    expect(error.code).toBe(ErrorCode.NOT_CANCELLABLE);
    expect(refunded).toBe(60_000);
  });

  it("refuses to cancel a line already cancelled, so no line is refunded twice", () => {
    const error = thrown(() => cancelLines([state(1, 10_000, "CANCELLED"), state(2, 20_000)], [1], 10_000));
    expect(error.code).toBe(ErrorCode.NOT_CANCELLABLE);
    expect(error.message).toBe("this order line is already cancelled");
    expect(error.details).toEqual({});
  });

  it("refuses the whole request when one of the named lines is already cancelled", () => {
    const error = thrown(() => cancelLines([state(1, 10_000, "CANCELLED"), state(2, 20_000)], [2, 1], 10_000));
    expect(error.code).toBe(ErrorCode.NOT_CANCELLABLE);
  });

  it("refuses no line ids at all", () => {
    expect(thrown(() => cancelLines(order, [], 0)).code).toBe(ErrorCode.NOT_CANCELLABLE);
  });

  it.each([[[99]], [[1, 99]]])("refuses %j as NOT_FOUND when a named line is not in the order", (lineIds) => {
    const error = thrown(() => cancelLines(order, lineIds, 0));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.details).toEqual({ id: "99" });
  });

  it("refuses to cancel an order whose every line is already cancelled", () => {
    const error = thrown(() =>
      cancelLines([state(1, 10_000, "CANCELLED"), state(2, 20_000, "CANCELLED")], null, 30_000),
    );
    expect(error.code).toBe(ErrorCode.NOT_CANCELLABLE);
    expect(error.message).toBe("every line of this order is already cancelled");
    expect(error.details).toEqual({});
  });
});

describe("unitsByOption", () => {
  it("sums the units of every option over several orders, in option id order", () => {
    expect(
      unitsByOption([
        { productId: 1, optionId: 9, quantity: 2 },
        { productId: 1, optionId: 3, quantity: 1 },
        { productId: 1, optionId: 9, quantity: 1_000 },
      ]),
    ).toEqual([
      { optionId: 3, quantity: 1 },
      { optionId: 9, quantity: 1_002 },
    ]);
    expect(unitsByOption([])).toEqual([]);
  });
});

describe("stockAfter", () => {
  it("takes the lines' units off a copy of the stock", () => {
    const stock = new Map([
      [3, 5],
      [9, 1],
    ]);
    expect(
      stockAfter(stock, [
        { productId: 1, optionId: 3, quantity: 2 },
        { productId: 2, optionId: 7, quantity: 1 },
      ]),
    ).toEqual(
      new Map([
        [3, 3],
        [9, 1],
        [7, -1],
      ]),
    );
    expect(stock.get(3)).toBe(5);
  });
});

describe("stockKeptChanging", () => {
  it("is a retryable CONFLICT that claims no shortage", () => {
    const error = stockKeptChanging();
    expect(error.code).toBe(ErrorCode.CONFLICT);
    expect(error.details).toEqual({ retryable: true });
    expect(error.message).toMatch(/nothing was changed, try again/);
  });
});

describe(splitRefund.name, () => {
  it("gives back to the card first, then to points", () => {
    expect(splitRefund(5_000, 20_000)).toEqual({ card: 5_000, points: 0 });
    expect(splitRefund(5_000, 3_000)).toEqual({ card: 3_000, points: 2_000 });
    expect(splitRefund(5_000, 0)).toEqual({ card: 0, points: 5_000 });
    expect(splitRefund(5_000, -1)).toEqual({ card: 0, points: 5_000 });
  });
});
