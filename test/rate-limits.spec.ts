import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUpMember } from "./helpers/factories.js";
import { errorCode, expectData, postGraphQL } from "./helpers/graphql.js";
import { startTestApp, type TestApp } from "./helpers/test-app.js";

const LOGIN = `mutation ($l: String!, $p: String!) { login(loginId: $l, password: $p) { token } }`;
const CHARGE = `mutation { chargePoint(amount: 1) { balance } }`;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("rate_limits", {
    RATE_LIMIT_MUTATION_BURST: "5",
    RATE_LIMIT_MUTATIONS_PER_SECOND: "2",
    RATE_LIMIT_LOGIN_FAILURES: "3",
    RATE_LIMIT_LOGIN_FAILURES_PER_IP: "1000",
    RATE_LIMIT_LOGIN_WINDOW_SECONDS: "2",
  });
});
afterAll(() => app.close());

describe("mutation rate limit per member", () => {
  it("lets a burst through, then answers RATE_LIMITED (429, Retry-After) without running the mutation", async () => {
    const member = await signUpMember(app);
    const other = await signUpMember(app);
    const responses = [];
    for (let i = 0; i < 8; i += 1) responses.push(await app.gql<{ chargePoint: { balance: number } }>(CHARGE, {}, { token: member.token }));
    expect(responses.slice(0, 5).every((response) => !response.errors)).toBe(true);
    const limited = responses.at(-1)!;
    expect(errorCode(limited)).toBe("RATE_LIMITED");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
    // Refused mutations changed nothing, and other members are not affected.
    const balance = expectData(await app.gql<{ point: { balance: number } }>(`{ point { balance } }`, {}, { token: member.token })).point.balance;
    expect(balance).toBe(responses.filter((response) => !response.errors).length);
    expect(expectData(await app.gql<{ chargePoint: { balance: number } }>(CHARGE, {}, { token: other.token })).chargePoint.balance).toBe(1);
    // Queries are not limited.
    expect(expectData(await app.gql(`{ me { id } }`, {}, { token: member.token }))).toBeTruthy();
  });
});

describe("failed logins", () => {
  it("lock a loginId after 3 failures, even for the right password, until the window ends", async () => {
    const member = await signUpMember(app, "locked-out");
    for (let i = 0; i < 3; i += 1) expect(errorCode(await app.gql(LOGIN, { l: member.loginId, p: "wrong-password" }))).toBe("UNAUTHENTICATED");
    const refused = await app.gql(LOGIN, { l: member.loginId, p: "correct-horse-battery" });
    expect(errorCode(refused)).toBe("RATE_LIMITED");
    expect(errorCode(await app.gql(LOGIN, { l: "LOCKED-OUT", p: "correct-horse-battery" }))).toBe("RATE_LIMITED"); // case does not evade it
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(expectData(await app.gql(LOGIN, { l: member.loginId, p: "correct-horse-battery" }))).toBeTruthy();
  });

  it("count every spelling of a loginId against its one canonical form", async () => {
    const member = await signUpMember(app, "spelled-out");
    for (const spelling of ["Spelled-Out", " spelled-out", "SPELLED-OUT\n"]) {
      expect(errorCode(await app.gql(LOGIN, { l: spelling, p: "wrong-password" }))).toBe("UNAUTHENTICATED");
    }
    expect(errorCode(await app.gql(LOGIN, { l: member.loginId, p: "correct-horse-battery" }))).toBe("RATE_LIMITED");
  });

  it("count a composed and a decomposed accent as one loginId, and not as the id without it", async () => {
    const plain = await signUpMember(app, "accented");
    for (let i = 0; i < 3; i += 1) expect(errorCode(await app.gql(LOGIN, { l: "\u00E0ccented", p: "correct-horse-battery" }))).toBe("UNAUTHENTICATED");
    expect(errorCode(await app.gql(LOGIN, { l: "a\u0300ccented", p: "correct-horse-battery" }))).toBe("RATE_LIMITED");
    expect(errorCode(await app.gql(LOGIN, { l: "\u00C0CCENTED", p: "correct-horse-battery" }))).toBe("RATE_LIMITED");
    expect(expectData(await app.gql(LOGIN, { l: plain.loginId, p: "correct-horse-battery" }))).toBeTruthy();
  });

  it("lock an address that fails on many loginIds", async () => {
    const sprayed = await startTestApp("rate_limits_ip", { RATE_LIMIT_LOGIN_FAILURES: "100", RATE_LIMIT_LOGIN_FAILURES_PER_IP: "5" });
    try {
      const victim = await signUpMember(sprayed, "spray-victim");
      for (let i = 0; i < 5; i += 1) await postGraphQL(sprayed.url, LOGIN, { l: `guess-${i}`, p: "password1" });
      expect(errorCode(await postGraphQL(sprayed.url, LOGIN, { l: victim.loginId, p: "correct-horse-battery" }))).toBe("RATE_LIMITED");
    } finally {
      await sprayed.close();
    }
  });
});

describe("with Redis down", () => {
  it("fails open: mutations and logins are not limited, so orders keep working", async () => {
    const offline = await startTestApp("rate_limits_offline", { REDIS_URL: "redis://127.0.0.1:1", RATE_LIMIT_MUTATION_BURST: "2", RATE_LIMIT_MUTATIONS_PER_SECOND: "1" });
    try {
      const member = await signUpMember(offline);
      for (let i = 0; i < 4; i += 1) expectData(await offline.gql(CHARGE, {}, { token: member.token }));
    } finally {
      await offline.close();
    }
  });
});
