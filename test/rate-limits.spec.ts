import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { balanceOf, signUpMember } from "./helpers/factories.js";
import { errorCode, expectData, postGraphQL } from "./helpers/graphql.js";
import { startTestApp, type TestApp } from "./helpers/test-app.js";
import { TestClock } from "./helpers/test-clock.js";

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

describe("mutation rate limit per mutation", () => {
  /** `count` charges of 1 point in one document, spread from a fragment. */
  const charges = (count: number) =>
    `mutation { ...Charges } fragment Charges on Mutation { ${Array.from({ length: count }, (_, i) => `c${i}: chargePoint(amount: 1) { balance }`).join(" ")} }`;

  it("takes one token per mutation root field, fragments included, and refuses a document the bucket cannot cover whole", async () => {
    // The service's clock stands still, so the bucket does not refill between requests.
    const still = await startTestApp("rate_limits_per_field", { RATE_LIMIT_MUTATION_BURST: "5", RATE_LIMIT_MUTATIONS_PER_SECOND: "1" }, { clock: new TestClock(new Date("2026-03-01T00:00:00Z")) });
    try {
      const member = await signUpMember(still);
      expectData(await still.gql(charges(2), {}, { token: member.token })); // 3 tokens left
      const refused = await still.gql(charges(4), {}, { token: member.token });
      expect(errorCode(refused)).toBe("RATE_LIMITED");
      expect(refused.status).toBe(429);
      expect(await balanceOf(still, member)).toBe(2); // none of the 4 ran
      expectData(await still.gql(charges(3), {}, { token: member.token })); // exactly the 3 left
      expect(errorCode(await still.gql(charges(1), {}, { token: member.token }))).toBe("RATE_LIMITED");
      expect(await balanceOf(still, member)).toBe(5);
    } finally {
      await still.close();
    }
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
