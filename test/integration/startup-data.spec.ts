import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStartupData } from "../../src/app/bootstrap.js";
import { DEMO_ADMIN, DEMO_MEMBER, DEMO_PRODUCTS } from "../../src/seed/demo-data.js";
import { signUpMember } from "../helpers/factories.js";
import { expectData } from "../helpers/graphql.js";
import { TEST_ADMIN, startTestApp, type TestApp } from "../helpers/test-app.js";

const LOGIN = `mutation ($l: String!, $p: String!) { login(loginId: $l, password: $p) { member { role } } }`;
const PRODUCT_COUNT = `{ products(first: 1) { totalCount } }`;

async function productCount(app: TestApp): Promise<number> {
  return expectData(await app.gql<{ products: { totalCount: number } }>(PRODUCT_COUNT)).products.totalCount;
}

async function roleOf(app: TestApp, login: { loginId: string; password: string }): Promise<string> {
  return expectData(
    await app.gql<{ login: { member: { role: string } } }>(LOGIN, { l: login.loginId, p: login.password }),
  ).login.member.role;
}

describe("demo data at start-up", () => {
  let app: TestApp;
  // The test app configures an ADMIN (TEST_ADMIN), created before the demo data is considered.
  beforeAll(async () => (app = await startTestApp("startup_data", { SEED_DEMO_DATA: "true" })));
  afterAll(() => app.close());

  it("loads into an empty shop even when ADMIN_LOGIN_ID / ADMIN_PASSWORD created an ADMIN first", async () => {
    expect(await productCount(app)).toBe(DEMO_PRODUCTS.length);
    expect(await roleOf(app, TEST_ADMIN)).toBe("ADMIN");
    expect(await roleOf(app, DEMO_ADMIN)).toBe("ADMIN");
    expect(await roleOf(app, DEMO_MEMBER)).toBe("MEMBER");
  });

  it("loads once: the next start finds the shop in use", async () => {
    await loadStartupData(app.config, app.database, app.services, app.log);
    expect(await productCount(app)).toBe(DEMO_PRODUCTS.length);
  });
});

describe("demo data in a shop with a member besides the operator's ADMIN", () => {
  let app: TestApp;
  beforeAll(async () => (app = await startTestApp("startup_data_used")));
  afterAll(() => app.close());

  it("is not loaded", async () => {
    await signUpMember(app);
    await loadStartupData({ ...app.config, seedDemoData: true }, app.database, app.services, app.log);
    expect(await productCount(app)).toBe(0);
  });
});

describe("demo data when ADMIN_LOGIN_ID is the demo member's loginId", () => {
  let app: TestApp;
  beforeAll(
    async () =>
      (app = await startTestApp("startup_data_demo_admin", {
        SEED_DEMO_DATA: "true",
        ADMIN_LOGIN_ID: DEMO_MEMBER.loginId,
      })),
  );
  afterAll(() => app.close());

  it("loads, and the operator's ADMIN keeps that loginId", async () => {
    expect(await productCount(app)).toBe(DEMO_PRODUCTS.length);
    expect(await roleOf(app, { loginId: DEMO_MEMBER.loginId, password: TEST_ADMIN.password })).toBe("ADMIN");
  });
});
