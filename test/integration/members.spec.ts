import { SignJWT } from "jose";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStartupData } from "../../src/app/bootstrap.js";
import { ConfigError } from "../../src/config/config.js";
import { member, pointWallet, cart } from "../../src/db/schema/index.js";
import { signUpMember } from "../helpers/factories.js";
import { errorCode, expectData } from "../helpers/graphql.js";
import { rejectionOf } from "../helpers/thrown.js";
import { TEST_ADMIN, startTestApp, type TestApp } from "../helpers/test-app.js";

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token member { id loginId nickname role } } }`;
const LOGIN = `mutation ($loginId: String!, $password: String!) { login(loginId: $loginId, password: $password) { token member { id loginId role } } }`;
const ME = `{ me { id loginId nickname role } }`;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("members");
});
afterAll(() => app.close());

async function memberCount(): Promise<number> {
  return (await app.database.db.select().from(member)).length;
}

describe("signUp", () => {
  it("creates a MEMBER with an empty wallet and cart, stores only a salted scrypt hash, and signs them in", async () => {
    const response = await app.gql<{
      signUp: { token: string; member: { id: string; loginId: string; nickname: string; role: string } };
    }>(SIGN_UP, { input: { loginId: "alice_01", password: "correct-horse-battery", nickname: "  Alice  " } });
    const { signUp } = expectData(response);
    expect(signUp.member).toMatchObject({ loginId: "alice_01", nickname: "Alice", role: "MEMBER" });
    expect(signUp.token.split(".")).toHaveLength(3);

    const id = Number(signUp.member.id);
    const [row] = await app.database.db.select().from(member).where(eq(member.id, id));
    expect(row!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(row!.passwordHash).not.toContain("correct-horse-battery");
    expect(await app.database.db.select().from(pointWallet).where(eq(pointWallet.memberId, id))).toEqual([
      expect.objectContaining({ balance: 0 }),
    ]);
    expect(await app.database.db.select().from(cart).where(eq(cart.memberId, id))).toHaveLength(1);

    const me = expectData(await app.gql<{ me: { loginId: string } }>(ME, {}, { token: signUp.token }));
    expect(me.me).toEqual({ id: signUp.member.id, loginId: "alice_01", nickname: "Alice", role: "MEMBER" });
  });

  it("salts each password: the same password gives two different hashes", async () => {
    const a = await signUpMember(app);
    const b = await signUpMember(app);
    const rows = await app.database.db.select().from(member);
    const hashOf = (id: string) => rows.find((row) => row.id === Number(id))!.passwordHash;
    expect(hashOf(a.memberId)).not.toBe(hashOf(b.memberId));
  });

  it("answers CONFLICT for a loginId already taken, also when two sign-ups race for it", async () => {
    await signUpMember(app, "taken-id");
    const before = await memberCount();
    const again = await app.gql(SIGN_UP, {
      input: { loginId: "taken-id", password: "another-password", nickname: "x" },
    });
    expect(errorCode(again)).toBe("CONFLICT");
    expect(again.errors![0]!.extensions!.field).toBe("loginId");

    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        app.gql(SIGN_UP, { input: { loginId: "raced-id", password: "another-password", nickname: "x" } }),
      ),
    );
    expect(racing.filter((r) => !r.errors).length).toBe(1);
    expect(racing.filter((r) => errorCode(r) === "CONFLICT").length).toBe(4);
    expect(await memberCount()).toBe(before + 1);
  });

  it.each([
    ["loginId too short", { loginId: "abc" }, "loginId"],
    ["loginId with spaces", { loginId: "has space" }, "loginId"],
    ["loginId with SQL", { loginId: "x' OR '1'='1" }, "loginId"],
    ["empty loginId", { loginId: "" }, "loginId"],
    ["password too short", { password: "short" }, "password"],
    ["password of 1 MB", { password: "p".repeat(1_000_000) }, "password"],
    ["blank nickname", { nickname: "   " }, "nickname"],
    ["nickname with a newline", { nickname: "a\nb" }, "nickname"],
    ["nickname of 51 characters", { nickname: "n".repeat(51) }, "nickname"],
  ])("refuses %s with BAD_USER_INPUT and creates nobody", async (_label, override, field) => {
    const before = await memberCount();
    const response = await app.gql(SIGN_UP, {
      input: { loginId: "valid-login", password: "valid-password", nickname: "Valid", ...override },
    });
    expect(errorCode(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0]!.extensions!.field).toBe(field);
    expect(JSON.stringify(response.errors)).not.toContain("valid-password");
    expect(await memberCount()).toBe(before);
  });
});

describe("loginIds", () => {
  const login = (loginId: string, password = "correct-horse-battery") =>
    app.gql<{ login: { member: { id: string; loginId: string } } }>(LOGIN, { loginId, password });

  it("are stored in one canonical form that every case and padding of it signs in to", async () => {
    const { memberId } = await signUpMember(app, " Alice.Canon ");
    const [row] = await app.database.db
      .select()
      .from(member)
      .where(eq(member.id, Number(memberId)));
    expect(row!.loginId).toBe("alice.canon");
    for (const spelling of ["alice.canon", "ALICE.CANON", "Alice.Canon", " alice.canon\t", "\u00A0alice.canon\n"]) {
      expect(expectData(await login(spelling)).login.member).toMatchObject({ id: memberId, loginId: "alice.canon" });
    }
    const again = await app.gql(SIGN_UP, {
      input: { loginId: "ALICE.canon", password: "another-password", nickname: "x" },
    });
    expect(errorCode(again)).toBe("CONFLICT");
  });

  it("with another letter reach no account, even with its password: composed or decomposed accents, other scripts", async () => {
    await signUpMember(app, "alice.accent");
    for (const spelling of [
      "\u00E0lice.accent",
      "a\u0300lice.accent",
      "\u00C0LICE.ACCENT",
      "\uFF41lice.accent",
      "alice.accent\u200B",
      "alice .accent",
    ]) {
      expect(errorCode(await login(spelling))).toBe("UNAUTHENTICATED");
    }
  });

  it("are compared byte for byte by the database, which refuses any id that is not canonical", async () => {
    const [rows] = await app.database.pool.query(
      "SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'member' AND COLUMN_NAME = 'login_id'",
    );
    expect(rows).toEqual([{ collation: "utf8mb4_bin" }]);
    for (const loginId of ["Not.Canonical", "trailing ", "\u00E0lice", "new\nline"]) {
      const insert = app.database.pool.query(
        "INSERT INTO member (login_id, password_hash, nickname) VALUES (?, 'x', 'x')",
        [loginId],
      );
      await expect(insert).rejects.toThrow(/member_login_id_canonical/);
    }
  });
});

describe("login", () => {
  it("returns a token for the right password", async () => {
    await signUpMember(app, "bob-login");
    const data = expectData(
      await app.gql<{ login: { token: string; member: { loginId: string } } }>(LOGIN, {
        loginId: "bob-login",
        password: "correct-horse-battery",
      }),
    );
    expect(data.login.member.loginId).toBe("bob-login");
    const me = expectData(await app.gql<{ me: { loginId: string } }>(ME, {}, { token: data.login.token }));
    expect(me.me.loginId).toBe("bob-login");
  });

  it("gives a wrong password and an unknown loginId the very same UNAUTHENTICATED error", async () => {
    await signUpMember(app, "carol-login");
    const wrongPassword = await app.gql(LOGIN, { loginId: "carol-login", password: "not-her-password" });
    const unknownLogin = await app.gql(LOGIN, { loginId: "nobody-here", password: "not-her-password" });
    expect(errorCode(wrongPassword)).toBe("UNAUTHENTICATED");
    expect(wrongPassword.errors).toEqual(unknownLogin.errors);
    expect(wrongPassword.data).toBeNull();
  });
});

describe("the ADMIN from ADMIN_LOGIN_ID / ADMIN_PASSWORD", () => {
  const roleOnLogin = async (loginId: string, password: string) => {
    const response = await app.gql<{ login: { member: { role: string } } }>(LOGIN, { loginId, password });
    return response.data?.login.member.role ?? errorCode(response);
  };
  const restartWithAdmin = (loginId: string, password: string) =>
    loadStartupData({ ...app.config, admin: { loginId, password } }, app.database, app.services, app.log);

  it("is created at start", async () => {
    expect(await roleOnLogin(TEST_ADMIN.loginId, TEST_ADMIN.password)).toBe("ADMIN");
  });

  it("never promotes a member who signed up under that loginId: start-up is refused instead", async () => {
    await signUpMember(app, "Boss.Man"); // the attacker's own password: correct-horse-battery
    const refusal = await rejectionOf(restartWithAdmin("boss.man", "operator-password-1"));
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).message).toMatch(/^ADMIN_LOGIN_ID="boss.man" is refused: .*never promoted/);
    expect(await roleOnLogin("Boss.Man", "correct-horse-battery")).toBe("MEMBER");
    expect(await roleOnLogin("boss.man", "operator-password-1")).toBe("UNAUTHENTICATED");
  });

  it("leaves an existing ADMIN as it is, password included", async () => {
    await restartWithAdmin(TEST_ADMIN.loginId.toUpperCase(), "another-admin-password");
    expect(await roleOnLogin(TEST_ADMIN.loginId, TEST_ADMIN.password)).toBe("ADMIN");
    expect(await roleOnLogin(TEST_ADMIN.loginId, "another-admin-password")).toBe("UNAUTHENTICATED");
  });

  it("refuses a password the rules refuse, naming ADMIN_PASSWORD and not the password", async () => {
    const refusal = (await rejectionOf(restartWithAdmin("new-admin", "short"))) as ConfigError;
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(refusal.message).toMatch(/^ADMIN_PASSWORD is refused: password must be/);
    expect(refusal.message).not.toContain('short"');
  });
});

describe("me and tokens", () => {
  it("is null without a token", async () => {
    expect(expectData(await app.gql(ME))).toEqual({ me: null });
  });

  it("refuses an expired token with UNAUTHENTICATED saying it expired", async () => {
    const { memberId } = await signUpMember(app);
    const expired = await new SignJWT({ role: "MEMBER" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(memberId)
      .setIssuer("ecommerce-order-service")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(app.config.jwtSecret));
    const response = await app.gql(ME, {}, { token: expired });
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
    expect(response.errors![0]!.extensions!.reason).toBe("expired");
  });

  it.each([
    [
      "signed with another secret",
      async (memberId: string) =>
        new SignJWT({ role: "ADMIN" })
          .setProtectedHeader({ alg: "HS256" })
          .setSubject(memberId)
          .setIssuer("ecommerce-order-service")
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode("someone-elses-secret-that-is-long-enough")),
    ],
    [
      "unsigned (alg none)",
      (memberId: string) => {
        const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
        return `${part({ alg: "none", typ: "JWT" })}.${part({ sub: memberId, role: "ADMIN", iss: "ecommerce-order-service", exp: 9999999999 })}.`;
      },
    ],
    ["garbage", () => "not-a-token"],
  ])("refuses a token %s with UNAUTHENTICATED", async (_label, makeToken) => {
    const { memberId } = await signUpMember(app);
    const response = await app.gql(ME, {}, { token: await makeToken(memberId) });
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
    expect(response.errors![0]!.extensions!.reason).toBe("invalid");
  });

  it("refuses an Authorization header that is not a Bearer token", async () => {
    const response = await app.gql(ME, {}, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
  });

  it("still answers public queries when the token is bad", async () => {
    const response = await app.gql(`{ products(first: 1) { totalCount } }`, {}, { token: "not-a-token" });
    expect(response.errors).toBeUndefined();
  });
});
