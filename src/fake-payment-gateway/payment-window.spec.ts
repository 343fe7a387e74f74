import { createHash } from "node:crypto";
import vm from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakePgDriver } from "../../test/helpers/fake-pg-driver.js";
import { FAKE_PG_DEFAULT_CLIENT_KEY } from "../config/fake-pg-config.js";
import { createFakePaymentGateway, type FakePaymentGateway } from "./fake-pg.js";

interface Sdk {
  requestPayment(request: unknown): Promise<void>;
}

/** Runs sdk.js as a page would, with a window whose popups are allowed or blocked. */
function loadSdk(source: string, scriptSrc: string | null, popupsAllowed = true) {
  const opened: Array<{ url: string; name: string; features: string }> = [];
  const assigned: string[] = [];
  const window: Record<string, unknown> = {
    open: (url: string, name: string, features: string) => {
      opened.push({ url, name, features });
      return popupsAllowed ? {} : null;
    },
    location: { assign: (url: string) => assigned.push(url) },
  };
  const document = { currentScript: scriptSrc === null ? null : { src: scriptSrc } };
  vm.runInContext(source, vm.createContext({ window, document, URL, URLSearchParams }));
  const FakePg = window.FakePg as (clientKey: string) => Sdk;
  return { FakePg, opened, assigned };
}

const request = {
  amount: 15_000,
  orderId: "order-0001",
  orderName: "Kimbap and 2 more",
  successUrl: "http://shop.test/checkout/success",
  failUrl: "http://shop.test/checkout/fail",
};

describe(`${createFakePaymentGateway.name}: the payment window`, () => {
  let pg: FakePaymentGateway;
  let driver: FakePgDriver;

  async function start(options?: Parameters<typeof createFakePaymentGateway>[0]): Promise<void> {
    pg = createFakePaymentGateway(options);
    const address = await pg.listen(0);
    driver = new FakePgDriver(`http://127.0.0.1:${address.port}`);
  }

  const windowUrl = (params: Record<string, string>): string =>
    `${driver.baseUrl}/pay?${new URLSearchParams({
      clientKey: FAKE_PG_DEFAULT_CLIENT_KEY,
      ...request,
      amount: String(request.amount),
      ...params,
    }).toString()}`;

  const sdkSource = async (): Promise<string> => (await fetch(`${driver.baseUrl}/v1/sdk.js`)).text();

  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await pg.close();
  });

  describe("GET /v1/sdk.js", () => {
    it("serves a script that opens the window on the PG's own origin in a popup", async () => {
      const response = await fetch(`${driver.baseUrl}/v1/sdk.js`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      const source = await response.text();
      expect(source).not.toMatch(/https?:\/\//);

      const { FakePg, opened, assigned } = loadSdk(source, `${driver.baseUrl}/v1/sdk.js`);
      await expect(FakePg(FAKE_PG_DEFAULT_CLIENT_KEY).requestPayment(request)).resolves.toBeUndefined();
      expect(assigned).toEqual([]);
      expect(opened).toHaveLength(1);
      const url = new URL(opened[0]!.url);
      expect(url.origin).toBe(driver.baseUrl);
      expect(url.pathname).toBe("/pay");
      expect(Object.fromEntries(url.searchParams)).toEqual({
        clientKey: FAKE_PG_DEFAULT_CLIENT_KEY,
        ...request,
        amount: "15000",
      });
      // The window it opens is the PG's real one.
      const window = await fetch(url);
      expect(window.status).toBe(200);
      expect(await window.text()).toContain("Kimbap and 2 more");
    });

    it("navigates this tab to the window when the popup is blocked", async () => {
      const { FakePg, assigned } = loadSdk(await sdkSource(), "http://pg.test:4200/v1/sdk.js", false);
      await FakePg("test_ck_x").requestPayment(request);
      expect(assigned).toHaveLength(1);
      expect(assigned[0]).toMatch(/^http:\/\/pg\.test:4200\/pay\?clientKey=test_ck_x&amount=15000&orderId=order-0001&/);
    });

    it.each([
      ["a zero amount", { amount: 0 }],
      ["an amount as a string", { amount: "15000" }],
      ["a short orderId", { orderId: "abc" }],
      ["no orderName", { orderName: "" }],
      ["a relative successUrl", { successUrl: "/checkout/success" }],
      ["a javascript: failUrl", { failUrl: "javascript:alert(1)" }],
    ])("rejects %s with INVALID_PARAMETERS and opens nothing", async (_name, change) => {
      const { FakePg, opened, assigned } = loadSdk(await sdkSource(), "http://pg.test/v1/sdk.js");
      await expect(FakePg("test_ck_x").requestPayment({ ...request, ...change })).rejects.toMatchObject({
        code: "INVALID_PARAMETERS",
      });
      expect([...opened, ...assigned]).toEqual([]);
    });

    it("rejects when it was not loaded from a script tag, as it cannot know the PG's origin", async () => {
      const { FakePg } = loadSdk(await sdkSource(), null);
      await expect(FakePg("test_ck_x").requestPayment(request)).rejects.toMatchObject({ code: "SDK_NOT_LOADED" });
    });
  });

  describe("GET /pay", () => {
    it("shows the order with every value escaped, under a policy that allows nothing external", async () => {
      const orderName = `<script>alert("x")</script> & 'more'`;
      const response = await fetch(windowUrl({ orderName, successUrl: "https://shop.test:8443/ok?step=2" }));
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;");
      expect(html).not.toMatch(/<script|<link|<img|src=/i);
      expect(html).toContain("15,000 KRW");
      expect(html).toContain('<form method="post" action="/pay">');
      for (const name of ["clientKey", "orderId", "amount", "orderName", "successUrl", "failUrl"])
        expect(html).toContain(`<input type="hidden" name="${name}"`);
      expect(html).toContain('value="https://shop.test:8443/ok?step=2"');
      expect(html).toContain('<button type="submit" name="action" value="pay">');
      expect(html).toContain('<button type="submit" name="action" value="cancel">');

      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("frame-ancestors 'none'");
      // The form's redirect goes to the shop, so both of its origins may be the form's target.
      expect(policy).toContain("form-action 'self' https://shop.test:8443 http://shop.test");
      const style = /<style>(.*)<\/style>/.exec(html)?.[1] ?? "";
      expect(policy).toContain(`style-src 'sha256-${createHash("sha256").update(style).digest("base64")}'`);
      expect(response.headers.get("x-frame-options")).toBe("DENY");
    });

    it.each([
      ["an unknown clientKey", { clientKey: "test_ck_other" }, "clientKey"],
      ["a zero amount", { amount: "0" }, "amount"],
      ["a fractional amount", { amount: "1.5" }, "amount"],
      ["an orderId with a space", { orderId: "order 0001" }, "orderId"],
      ["an empty orderName", { orderName: "" }, "orderName"],
      ["a 101-character orderName", { orderName: "x".repeat(101) }, "orderName"],
      ["a relative successUrl", { successUrl: "/ok" }, "successUrl"],
      ["a javascript: failUrl", { failUrl: "javascript:alert(1)" }, "failUrl"],
    ])("refuses %s with a 400 page saying why", async (_name, params, named) => {
      const response = await fetch(windowUrl(params));
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(await response.text()).toContain(named);
    });
  });

  describe("POST /pay", () => {
    it("creates an IN_PROGRESS payment and sends the browser to successUrl with paymentKey, orderId and amount", async () => {
      const response = await driver.submitWindow({ orderId: "order-0001", amount: 15_000 });
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe("http://shop.test/checkout/success");
      const paymentKey = location.searchParams.get("paymentKey") ?? "";
      expect(paymentKey).toMatch(/^fpk_[A-Za-z0-9_-]{24}$/);
      expect(Object.fromEntries(location.searchParams)).toEqual({ paymentKey, orderId: "order-0001", amount: "15000" });

      expect(pg.payments()).toMatchObject([
        {
          paymentKey,
          orderId: "order-0001",
          orderName: "Kimbap and 2 more",
          status: "IN_PROGRESS",
          totalAmount: 15_000,
        },
      ]);
    });

    it("adds its parameters after the shop's own query and before its fragment", async () => {
      const response = await driver.submitWindow({
        orderId: "order-0001",
        amount: 15_000,
        successUrl: "http://shop.test/ok?checkout=7&lang=ko%20KR#top",
      });
      expect(response.headers.get("location")).toMatch(
        /^http:\/\/shop\.test\/ok\?checkout=7&lang=ko%20KR&paymentKey=fpk_[A-Za-z0-9_-]{24}&orderId=order-0001&amount=15000#top$/,
      );
    });

    it("draws the paymentKey from the random source given to it", async () => {
      await pg.close();
      await start({ randomBytes: (size) => Buffer.alloc(size, 0xff) });
      expect(await driver.authenticate("order-0001", 1_000)).toBe(`fpk_${"_".repeat(24)}`);
    });

    it("sends the browser to failUrl with PAY_PROCESS_CANCELED when the buyer cancels, creating nothing", async () => {
      const response = await driver.submitWindow({ orderId: "order-0001", amount: 15_000, action: "cancel" });
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe("http://shop.test/checkout/fail");
      expect(location.searchParams.get("code")).toBe("PAY_PROCESS_CANCELED");
      expect(location.searchParams.get("orderId")).toBe("order-0001");
      expect(location.searchParams.get("message")).toBeTruthy();
      expect(pg.payments()).toEqual([]);
    });

    it("lets two tabs pay one order, but sends an orderId already approved to failUrl with DUPLICATED_ORDER_ID", async () => {
      const first = await driver.authenticate("order-0001", 15_000);
      await driver.authenticate("order-0001", 15_000);
      expect((await driver.confirm({ paymentKey: first, orderId: "order-0001", amount: 15_000 })).status).toBe(200);

      const response = await driver.submitWindow({ orderId: "order-0001", amount: 15_000 });
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get("location") ?? "");
      expect(location.pathname).toBe("/checkout/fail");
      expect(location.searchParams.get("code")).toBe("DUPLICATED_ORDER_ID");
      expect(location.searchParams.get("orderId")).toBe("order-0001");
      expect(pg.payments()).toHaveLength(2);
    });

    it.each([
      ["an unknown clientKey", { clientKey: "test_ck_other" }],
      ["a bad amount", { amount: "-1" }],
      ["an unknown action", { action: "refund" }],
      ["no action", { action: "" }],
    ])("refuses a form with %s with a 400 page, creating nothing", async (_name, change) => {
      const response = await driver.submitWindow({ orderId: "order-0001", amount: 15_000, ...change });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(pg.payments()).toEqual([]);
    });

    it("refuses a body that is not a form with 400", async () => {
      const response = await fetch(`${driver.baseUrl}/pay`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("application/x-www-form-urlencoded");
    });
  });
});
