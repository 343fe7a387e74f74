import { count } from "drizzle-orm";
import type { Logger } from "../../logger.js";
import type { Services } from "../../services.js";
import type { Db } from "../client.js";
import { member, product } from "../schema/index.js";
import { DEMO_ADMIN, DEMO_MEMBER, DEMO_MEMBER_POINTS, DEMO_PRODUCTS } from "./demo-data.js";

/**
 * Loads demo products and logins into an empty database (no members, no products), through the same
 * services the API uses, so demo data obeys every rule real data does. Never creates orders.
 */
export async function seedDemoData(db: Db, services: Services, log: Logger): Promise<boolean> {
  const [members] = await db.select({ n: count() }).from(member);
  const [products] = await db.select({ n: count() }).from(product);
  if ((members?.n ?? 0) > 0 || (products?.n ?? 0) > 0) return false;

  await services.members.ensureAdmin(DEMO_ADMIN.loginId, DEMO_ADMIN.password);
  const demo = await services.members.signUp(DEMO_MEMBER);
  // A charge like any other (CHARGE ledger entry), so the demo member can order straight away.
  await services.points.chargePoints(demo.member.id, DEMO_MEMBER_POINTS);
  // In order, so ids follow the list and "newest first" shows the list's end first.
  for (const input of DEMO_PRODUCTS) await services.catalog.createProduct(input);
  log.info({ products: DEMO_PRODUCTS.length, logins: [DEMO_MEMBER.loginId, DEMO_ADMIN.loginId] }, "loaded demo data");
  return true;
}
