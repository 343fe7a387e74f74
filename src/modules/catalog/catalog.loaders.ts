import DataLoader from "dataloader";
import type { Db } from "../../db/client.js";
import {
  findOptionViewsByIds,
  findOptionViewsByProductIds,
  findProductsByIds,
  type OptionView,
  type ProductRow,
} from "./catalog.repository.js";

/** One statement per kind per request tick, whatever the number of products on the page. */
export function createCatalogLoaders(db: Db) {
  return {
    productById: new DataLoader<number, ProductRow | null>(async (ids) => {
      const byId = new Map((await findProductsByIds(db, ids)).map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    optionsByProductId: new DataLoader<number, OptionView[]>(async (productIds) => {
      const grouped = new Map<number, OptionView[]>(productIds.map((id) => [id, []]));
      for (const option of await findOptionViewsByProductIds(db, productIds))
        grouped.get(option.productId)?.push(option);
      return productIds.map((id) => grouped.get(id) ?? []);
    }),
    optionById: new DataLoader<number, OptionView | null>(async (ids) => {
      const byId = new Map((await findOptionViewsByIds(db, ids)).map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
