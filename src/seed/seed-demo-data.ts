import { count, ne } from "drizzle-orm";
import type { Logger } from "../observability/logger.js";
import type { CatalogService } from "../modules/catalog/catalog.service.js";
import type { MemberService } from "../modules/member/member.service.js";
import type { PointService } from "../modules/point/point.service.js";
import { DomainError, ErrorCode } from "../shared/errors.js";
import type { Db } from "../db/client.js";
import { member, product } from "../db/schema/index.js";
import { DEMO_ADMIN, DEMO_MEMBER, DEMO_MEMBER_POINTS, DEMO_PRODUCTS } from "./demo-data.js";

/** The use cases demo data goes through: the same the API uses, so it obeys every rule real data does. */
export interface DemoDataServices {
  members: Pick<MemberService, "ensureAdmin" | "createMemberAccount">;
  points: Pick<PointService, "chargePoints">;
  catalog: Pick<CatalogService, "createProduct">;
}

/**
 * Loads demo products and logins into an empty shop (no products, and no members but the operator's
 * ADMIN, which start-up creates first), through the same services the API uses, so demo data obeys
 * every rule real data does. Never creates orders.
 */
export async function seedDemoData(
  db: Db,
  services: DemoDataServices,
  log: Logger,
  operatorAdminId?: number,
): Promise<boolean> {
  const others = operatorAdminId === undefined ? undefined : ne(member.id, operatorAdminId);
  const [members] = await db.select({ n: count() }).from(member).where(others);
  const [products] = await db.select({ n: count() }).from(product);
  if ((members?.n ?? 0) > 0 || (products?.n ?? 0) > 0) return false;

  await services.members.ensureAdmin(DEMO_ADMIN.loginId, DEMO_ADMIN.password);
  try {
    const demo = await services.members.createMemberAccount(DEMO_MEMBER);
    // A charge like any other (CHARGE ledger entry), so the demo member can order straight away.
    await services.points.chargePoints(demo.id, DEMO_MEMBER_POINTS);
  } catch (error) {
    // ADMIN_LOGIN_ID=demo: the operator's ADMIN has the demo member's loginId, and keeps it.
    if (!(error instanceof DomainError && error.code === ErrorCode.CONFLICT)) throw error;
    log.warn({ loginId: DEMO_MEMBER.loginId }, "demo member not created: the operator's ADMIN has its loginId");
  }
  // In order, so ids follow the list and "newest first" shows the list's end first.
  for (const input of DEMO_PRODUCTS) await services.catalog.createProduct(input);
  log.info({ products: DEMO_PRODUCTS.length, logins: [DEMO_MEMBER.loginId, DEMO_ADMIN.loginId] }, "loaded demo data");
  return true;
}
