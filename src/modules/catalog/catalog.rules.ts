import { DomainError, ErrorCode, badUserInput, notFound } from "../../shared/errors.js";
import { present } from "../../shared/present.js";

export const NAME_MAX = 200;
/** One billion won per unit: far above any real price, far below where order totals could overflow. */
export const PRICE_MAX = 1_000_000_000;
/**
 * Units per option. Product.stock (GraphQL Int, at most 2^31-1) sums up to OPTIONS_MAX options, so
 * the cap keeps even a full product's total inside Int: 100 x 20,000,000 = 2,000,000,000.
 */
export const STOCK_MAX = 20_000_000;
export const OPTIONS_MAX = 100;

export interface CreateProductOptionInput {
  name: string;
  additionalPrice: number;
  stock: number;
}

export interface CreateProductInput {
  name: string;
  price: number;
  stock?: number | null;
  options?: CreateProductOptionInput[] | null;
}

export interface NewProduct {
  name: string;
  price: number;
  options: CreateProductOptionInput[];
}

// Control, format, separator and lone-surrogate characters: invisible, or line breaks, in a name.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

function validName(field: string, raw: string): string {
  const name = raw.normalize("NFC").trim();
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points on purpose: what the column counts
  if (name.length === 0 || [...name].length > NAME_MAX || INVISIBLE.test(name)) {
    throw badUserInput(field, `${field} must be 1 to ${NAME_MAX} visible characters`);
  }
  return name;
}

function validStock(field: string, stock: number): number {
  if (!Number.isInteger(stock) || stock < 0 || stock > STOCK_MAX) {
    throw badUserInput(field, `${field} must be a whole number from 0 to ${STOCK_MAX}`);
  }
  return stock;
}

/** The price a buyer pays for one unit of an option. */
export const optionPrice = (productPrice: number, additionalPrice: number): number => productPrice + additionalPrice;

/** A product's stock is the sum of its options' stock. */
export const totalStock = (optionStocks: readonly number[]): number =>
  optionStocks.reduce((sum, stock) => sum + stock, 0);

/**
 * Checks a new product and settles its options: without `options` the product gets one option named
 * like the product, holding `stock`. Giving both `stock` and `options` is refused as ambiguous.
 */
export function validateCreateProduct(input: CreateProductInput): NewProduct {
  const name = validName("name", input.name);
  if (!Number.isSafeInteger(input.price) || input.price < 0 || input.price > PRICE_MAX) {
    throw badUserInput("price", `price must be a whole number of won from 0 to ${PRICE_MAX}`);
  }
  if (input.options == null) {
    return {
      name,
      price: input.price,
      options: [{ name, additionalPrice: 0, stock: validStock("stock", input.stock ?? 0) }],
    };
  }
  if (input.stock != null) {
    throw badUserInput("stock", "give stock on each option, or on the product when it has no options, not both");
  }
  if (input.options.length === 0 || input.options.length > OPTIONS_MAX) {
    throw badUserInput("options", `a product has 1 to ${OPTIONS_MAX} options`);
  }
  const seen = new Set<string>();
  const options = input.options.map((option, index) => {
    const optionName = validName(`options[${index}].name`, option.name);
    const key = optionName.toLowerCase();
    if (seen.has(key)) throw badUserInput(`options[${index}].name`, `option name "${optionName}" appears twice`);
    seen.add(key);
    const price = optionPrice(input.price, option.additionalPrice);
    if (!Number.isSafeInteger(option.additionalPrice) || price < 0 || price > PRICE_MAX) {
      throw badUserInput(
        `options[${index}].additionalPrice`,
        `price + additionalPrice must be a whole number of won from 0 to ${PRICE_MAX}`,
      );
    }
    return {
      name: optionName,
      additionalPrice: option.additionalPrice,
      stock: validStock(`options[${index}].stock`, option.stock),
    };
  });
  return { name, price: input.price, options };
}

/** The stock after adding `quantity` units (> 0), refusing totals past STOCK_MAX. */
export function restockedQuantity(current: number, quantity: number): number {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > STOCK_MAX) {
    throw badUserInput("quantity", `quantity must be a whole number from 1 to ${STOCK_MAX}`);
  }
  if (current + quantity > STOCK_MAX) {
    throw badUserInput("quantity", `stock would exceed ${STOCK_MAX}`);
  }
  return current + quantity;
}

/**
 * The option a cart or order line means. `optionId` may be left out only when the product has
 * exactly one option; an option of another product is NOT_FOUND, as is a product with no options
 * (an unknown or delisted product).
 */
export function pickOption<T extends { id: number }>(
  productId: number,
  options: readonly T[],
  optionId: number | null,
): T {
  if (options.length === 0) throw notFound("product", productId);
  if (optionId === null) {
    if (options.length === 1) return present(options[0], "the only option");
    throw badUserInput("optionId", `product ${productId} has ${options.length} options: say which one with optionId`);
  }
  const option = options.find((candidate) => candidate.id === optionId);
  if (!option) throw notFound("option", optionId);
  return option;
}

/** Refuses more units than the option has in stock now. */
export function ensureInStock(option: { id: number; productId: number; stock: number }, requested: number): void {
  if (requested > option.stock) {
    throw new DomainError(
      ErrorCode.INSUFFICIENT_STOCK,
      `only ${option.stock} left of option ${option.id} of product ${option.productId}`,
      {
        productId: String(option.productId),
        optionId: String(option.id),
        available: option.stock,
        requested,
      },
    );
  }
}
