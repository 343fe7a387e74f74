import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthTokens } from "./auth-token.js";

const SECRET = "a-test-secret-of-at-least-32-characters!!";

describe(AuthTokens.name, () => {
  afterEach(() => vi.useRealTimers());

  it("accepts its own token, again from memory, and refuses it as expired once its time is up", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-01-01T00:00:00Z") });
    const tokens = new AuthTokens(SECRET, 60);
    const token = await tokens.issue({ memberId: 7, role: "MEMBER" });
    expect(await tokens.verify(token)).toEqual({ ok: true, claims: { memberId: 7, role: "MEMBER" } });
    vi.setSystemTime(new Date("2026-01-01T00:00:59Z"));
    expect(await tokens.verify(token)).toEqual({ ok: true, claims: { memberId: 7, role: "MEMBER" } });
    vi.setSystemTime(new Date("2026-01-01T00:01:00Z"));
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "expired" });
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "expired" }); // now from jose again
  });

  it("refuses a token signed with another secret, or altered, every time", async () => {
    const tokens = new AuthTokens(SECRET, 60);
    const foreign = await new AuthTokens(`${SECRET}-other`, 60).issue({ memberId: 7, role: "ADMIN" });
    const own = await tokens.issue({ memberId: 7, role: "MEMBER" });
    const [header, , signature] = own.split(".");
    const promoted = `${header}.${Buffer.from(JSON.stringify({ sub: "7", role: "ADMIN", iss: "ecommerce-order-service", exp: 4102444800 })).toString("base64url")}.${signature}`;
    for (let i = 0; i < 2; i += 1) {
      expect(await tokens.verify(foreign)).toEqual({ ok: false, reason: "invalid" });
      expect(await tokens.verify(promoted)).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("keeps a bounded number of verified tokens, and still verifies those it let go", async () => {
    const tokens = new AuthTokens(SECRET, 3_600);
    const issued = await Promise.all(
      Array.from({ length: 10_050 }, (_, i) => tokens.issue({ memberId: i + 1, role: "MEMBER" })),
    );
    for (const token of issued) await tokens.verify(token);
    expect(await tokens.verify(issued[0]!)).toEqual({ ok: true, claims: { memberId: 1, role: "MEMBER" } });
  });
});
