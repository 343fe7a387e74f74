import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { balanceOf, signUpMember } from "../helpers/factories.js";
import { errorCode, expectData, postGraphQL, type GraphQLResponse } from "../helpers/graphql.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";
import { TestClock } from "../helpers/test-clock.js";
import { RateLimiter } from "../../src/modules/rate-limit/rate-limiter.js";
import { RateLimitKeys } from "../../src/modules/rate-limit/rate-limit.rules.js";
import { type DomainError, ErrorCode } from "../../src/shared/errors.js";

const LOGIN = `mutation ($l: String!, $p: String!) { login(loginId: $l, password: $p) { token } }`;
const CHARGE = `mutation { chargePoint(amount: 1) { balance } }`;

/** How many responses answered each error code ("ok": none). */
function codesOf(responses: GraphQLResponse[]): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const response of responses) codes[errorCode(response) ?? "ok"] = (codes[errorCode(response) ?? "ok"] ?? 0) + 1;
  return codes;
}

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
    // The service's clock stands still, so the bucket does not refill however slowly the requests go.
    const still = await startTestApp(
      "rate_limits_burst",
      { RATE_LIMIT_MUTATION_BURST: "5", RATE_LIMIT_MUTATIONS_PER_SECOND: "2" },
      { clock: new TestClock(new Date()) },
    );
    try {
      const member = await signUpMember(still);
      const other = await signUpMember(still);
      const responses = [];
      for (let i = 0; i < 8; i += 1)
        responses.push(await still.gql<{ chargePoint: { balance: number } }>(CHARGE, {}, { token: member.token }));
      expect(codesOf(responses)).toEqual({ ok: 5, RATE_LIMITED: 3 });
      expect(responses.slice(0, 5).every((response) => !response.errors)).toBe(true);
      const limited = responses.at(-1)!;
      expect(errorCode(limited)).toBe("RATE_LIMITED");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(limited.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
      // Refused mutations changed nothing, and other members are not affected.
      const balance = expectData(
        await still.gql<{ point: { balance: number } }>(`{ point { balance } }`, {}, { token: member.token }),
      ).point.balance;
      expect(balance).toBe(5);
      expect(
        expectData(await still.gql<{ chargePoint: { balance: number } }>(CHARGE, {}, { token: other.token }))
          .chargePoint.balance,
      ).toBe(1);
      // Queries are not limited.
      expect(expectData(await still.gql(`{ me { id } }`, {}, { token: member.token }))).toBeTruthy();
    } finally {
      await still.close();
    }
  });
});

describe("mutation rate limit per mutation", () => {
  /** `count` charges of 1 point in one document, spread from a fragment. */
  const charges = (count: number) =>
    `mutation { ...Charges } fragment Charges on Mutation { ${Array.from({ length: count }, (_, i) => `c${i}: chargePoint(amount: 1) { balance }`).join(" ")} }`;

  it("takes one token per mutation root field, fragments included, and refuses a document the bucket cannot cover whole", async () => {
    // The service's clock stands still, so the bucket does not refill between requests.
    const still = await startTestApp(
      "rate_limits_per_field",
      { RATE_LIMIT_MUTATION_BURST: "5", RATE_LIMIT_MUTATIONS_PER_SECOND: "1" },
      { clock: new TestClock(new Date()) },
    );
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

/**
 * A rate slow enough that Redis keeps an emptied bucket (its PEXPIRE, on Redis's own clock) far longer
 * than a test runs, with leases that still reach 32 tokens (the rate over a lease's life).
 */
const SLOW_RATE_LEASES_OF_32 = { mutationsPerSecond: 10, mutationLeaseMs: 3_200 };

describe("mutation tokens leased by API processes", () => {
  it("two API processes, each sending one member's mutations one after another, let exactly the burst through, asking Redis far less often", async () => {
    // The clock stands still: the bucket does not refill, so the burst is all there is. Redis expires
    // the bucket on its own clock, once a stopped clock's refill would have filled it (here 16 s and
    // more: 10 tokens/s), long after this test; leases of 32 (10/s for 3.2 s).
    const clock = new TestClock(new Date());
    const limits = { ...app.config.rateLimits, mutationBurst: 150, ...SLOW_RATE_LEASES_OF_32 };
    const keys = new RateLimitKeys(`${app.config.redisPrefix}:leases`);
    let asked = 0;
    const processes = [0, 1].map(() => new RateLimiter(app.redis, keys, limits, clock, app.log));
    // Counts the bucket's round trips: the real command, wrapped.
    const take = app.redis.rateLimitTakeToken.bind(app.redis);
    app.redis.rateLimitTakeToken = (...args: Parameters<typeof take>) => {
      asked += 1;
      return take(...args);
    };
    try {
      // Each process passes mutations until the first refusal (its lease and the bucket both empty).
      const passed = await Promise.all(
        processes.map(async (limiter) => {
          let count = 0;
          for (;;) {
            try {
              await limiter.takeMutations(4242, 1);
              count += 1;
            } catch (error) {
              expect((error as DomainError).code).toBe(ErrorCode.RATE_LIMITED);
              return count;
            }
          }
        }),
      );
      expect(passed[0]! + passed[1]!).toBe(150);
      expect(Math.min(...passed)).toBeGreaterThan(0);
      expect(asked).toBeLessThan(40);
      console.info(`leases: ${passed.join(" + ")} mutations through, ${asked} round trips to the bucket`);
    } finally {
      app.redis.rateLimitTakeToken = take;
    }
  });
});

describe("mutation tokens leased by API processes, requests arriving together", () => {
  it("two API processes, each sending 64 of one member's mutations at once, let exactly the burst through, most covered by leases", async () => {
    const clock = new TestClock(new Date());
    const limits = { ...app.config.rateLimits, mutationBurst: 640, ...SLOW_RATE_LEASES_OF_32 };
    const keys = new RateLimitKeys(`${app.config.redisPrefix}:leases-together`);
    let granted = 0;
    const processes = [0, 1].map(() => new RateLimiter(app.redis, keys, limits, clock, app.log));
    const take = app.redis.rateLimitTakeToken.bind(app.redis);
    app.redis.rateLimitTakeToken = async (...args: Parameters<typeof take>) => {
      const reply = await take(...args);
      if (reply[0] === 1) granted += 1;
      return reply;
    };
    try {
      // Rounds of 64 at once per process, until a round in which nothing passes: every lease is spent.
      const passed = await Promise.all(
        processes.map(async (limiter) => {
          let count = 0;
          for (;;) {
            const round = await Promise.allSettled(Array.from({ length: 64 }, () => limiter.takeMutations(4343, 1)));
            for (const outcome of round)
              if (outcome.status === "rejected")
                expect((outcome.reason as DomainError).code).toBe(ErrorCode.RATE_LIMITED);
            const through = round.filter((outcome) => outcome.status === "fulfilled").length;
            if (through === 0) return count;
            count += through;
          }
        }),
      );
      expect(passed[0]! + passed[1]!).toBe(640);
      // Each process's first round asks one token per request (no lease yet); later rounds wait for one
      // request's lease instead (without waiting, about 63 of each round's 64 asked for themselves).
      expect(granted).toBeLessThan(640 / 3);
      console.info(`leases, 64 at once: ${passed.join(" + ")} mutations through, ${granted} granted round trips`);
    } finally {
      app.redis.rateLimitTakeToken = take;
    }
  });
});

describe("failed logins", () => {
  it("lock a loginId after 3 failures, even for the right password, until the window ends", async () => {
    const member = await signUpMember(app, "locked-out");
    for (let i = 0; i < 3; i += 1)
      expect(errorCode(await app.gql(LOGIN, { l: member.loginId, p: "wrong-password" }))).toBe("UNAUTHENTICATED");
    const refused = await app.gql(LOGIN, { l: member.loginId, p: "correct-horse-battery" });
    expect(errorCode(refused)).toBe("RATE_LIMITED");
    expect(errorCode(await app.gql(LOGIN, { l: "LOCKED-OUT", p: "correct-horse-battery" }))).toBe("RATE_LIMITED"); // case does not evade it
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(expectData(await app.gql(LOGIN, { l: member.loginId, p: "correct-horse-battery" }))).toBeTruthy();
  });

  it("lock an address that fails on many loginIds", async () => {
    const sprayed = await startTestApp("rate_limits_ip", {
      RATE_LIMIT_LOGIN_FAILURES: "100",
      RATE_LIMIT_LOGIN_FAILURES_PER_IP: "5",
    });
    try {
      const victim = await signUpMember(sprayed, "spray-victim");
      for (let i = 0; i < 5; i += 1) await postGraphQL(sprayed.url, LOGIN, { l: `guess-${i}`, p: "password1" });
      expect(errorCode(await postGraphQL(sprayed.url, LOGIN, { l: victim.loginId, p: "correct-horse-battery" }))).toBe(
        "RATE_LIMITED",
      );
    } finally {
      await sprayed.close();
    }
  });
});

describe("login attempts", () => {
  // Ten per loginId and ten per address, in a window no test outlives. Each test signs in from
  // addresses of its own (X-Forwarded-For from a trusted loopback proxy), so the tests' counters stay apart.
  let logins: TestApp;
  beforeAll(async () => {
    logins = await startTestApp("rate_limits_logins", {
      RATE_LIMIT_LOGIN_FAILURES: "10",
      RATE_LIMIT_LOGIN_FAILURES_PER_IP: "10",
      TRUST_PROXY: "loopback",
    });
  });
  afterAll(() => logins.close());

  const login = (loginId: string, password: string, address: string) =>
    postGraphQL(logins.url, LOGIN, { l: loginId, p: password }, { headers: { "x-forwarded-for": address } });

  it("are counted before the password: of 100 wrong passwords at once for one loginId, 10 are checked", async () => {
    const victim = await signUpMember(logins, "parallel-victim");
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => login(victim.loginId, `wrong-password-${i}`, `198.51.100.${i + 1}`)),
    );
    expect(codesOf(answers)).toEqual({ UNAUTHENTICATED: 10, RATE_LIMITED: 90 });
    for (const refused of answers.filter((answer) => errorCode(answer) === "RATE_LIMITED")) {
      expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(errorCode(await login(victim.loginId, "correct-horse-battery", "198.51.100.200"))).toBe("RATE_LIMITED");
  });

  it("are counted before the password per address too: of 100 at once on 100 loginIds, 10 are checked", async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => login(`sprayed-${i}`, "password1", "203.0.113.1")),
    );
    expect(codesOf(answers)).toEqual({ UNAUTHENTICATED: 10, RATE_LIMITED: 90 });
    const member = await signUpMember(logins, "sprayed-but-fine");
    expect(errorCode(await login(member.loginId, "correct-horse-battery", "203.0.113.1"))).toBe("RATE_LIMITED");
    // The refused attempts were not counted against the loginIds: from elsewhere they sign in.
    expect(errorCode(await login(member.loginId, "correct-horse-battery", "203.0.113.2"))).toBeUndefined();
  });

  it("that succeed are given back, so only failures count, and a success does not wipe them", async () => {
    const member = await signUpMember(logins, "mostly-right");
    for (let i = 0; i < 9; i += 1)
      expect(errorCode(await login(member.loginId, "wrong-password", "192.0.2.10"))).toBe("UNAUTHENTICATED");
    for (let i = 0; i < 5; i += 1)
      expect(errorCode(await login(member.loginId, "correct-horse-battery", "192.0.2.10"))).toBeUndefined();
    expect(errorCode(await login(member.loginId, "wrong-password", "192.0.2.11"))).toBe("UNAUTHENTICATED");
    expect(errorCode(await login(member.loginId, "correct-horse-battery", "192.0.2.11"))).toBe("RATE_LIMITED");
  });

  it("of every spelling of a loginId count against its one canonical form", async () => {
    const member = await signUpMember(logins, "spelled-out");
    const spellings = ["Spelled-Out", " spelled-out", "SPELLED-OUT\n", "spelled-out\t"];
    for (let i = 0; i < 10; i += 1)
      expect(errorCode(await login(spellings[i % spellings.length]!, "wrong-password", "192.0.2.20"))).toBe(
        "UNAUTHENTICATED",
      );
    expect(errorCode(await login(member.loginId, "correct-horse-battery", "192.0.2.21"))).toBe("RATE_LIMITED");
  });

  it("with a composed or a decomposed accent count as one loginId, and not as the id without it", async () => {
    const plain = await signUpMember(logins, "accented");
    for (let i = 0; i < 10; i += 1)
      expect(errorCode(await login("\u00E0ccented", "correct-horse-battery", "192.0.2.30"))).toBe("UNAUTHENTICATED");
    expect(errorCode(await login("a\u0300ccented", "correct-horse-battery", "192.0.2.31"))).toBe("RATE_LIMITED");
    expect(errorCode(await login("\u00C0CCENTED", "correct-horse-battery", "192.0.2.31"))).toBe("RATE_LIMITED");
    expect(errorCode(await login(plain.loginId, "correct-horse-battery", "192.0.2.31"))).toBeUndefined();
  });
});

describe("sign-ups", () => {
  const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { member { id } } }`;
  const input = (loginId: string, overrides: Record<string, string> = {}) => ({
    input: { loginId, password: "correct-horse-battery", nickname: "New", ...overrides },
  });

  it("are limited per address: of 40 at once from one address, exactly 20 (the default) succeed", async () => {
    // RATE_LIMIT_SIGNUPS_PER_IP empty is unset: the default of 20 an hour, not the test apps' own.
    const signUps = await startTestApp("rate_limits_signups", {
      RATE_LIMIT_SIGNUPS_PER_IP: "",
      TRUST_PROXY: "loopback",
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => signUps.gql(SIGN_UP, input(`newcomer-${i}`))),
      );
      expect(codesOf(answers)).toEqual({ ok: 20, RATE_LIMITED: 20 });
      for (const refused of answers.filter((answer) => errorCode(answer) === "RATE_LIMITED")) {
        expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
        expect(refused.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(3_600);
      }
      const [members] = await signUps.database.pool.query(
        "SELECT COUNT(*) AS n FROM member WHERE login_id LIKE 'newcomer-%'",
      );
      expect(members).toEqual([{ n: 20 }]);
      // Bad input is answered as such, uncounted; another address still signs up.
      expect(errorCode(await signUps.gql(SIGN_UP, input("x")))).toBe("BAD_USER_INPUT");
      expect(errorCode(await signUps.gql(SIGN_UP, input("late-newcomer")))).toBe("RATE_LIMITED");
      const elsewhere = await signUps.gql(SIGN_UP, input("late-newcomer"), {
        headers: { "x-forwarded-for": "198.51.100.1" },
      });
      expect(errorCode(elsewhere)).toBeUndefined();
    } finally {
      await signUps.close();
    }
  });
});

describe("with Redis down", () => {
  it("fails open: mutations and logins are not limited, so orders keep working", async () => {
    const offline = await startTestApp("rate_limits_offline", {
      REDIS_URL: "redis://127.0.0.1:1",
      RATE_LIMIT_MUTATION_BURST: "2",
      RATE_LIMIT_MUTATIONS_PER_SECOND: "1",
      RATE_LIMIT_LOGIN_FAILURES: "2",
      RATE_LIMIT_LOGIN_FAILURES_PER_IP: "2",
    });
    try {
      const member = await signUpMember(offline);
      for (let i = 0; i < 4; i += 1) expectData(await offline.gql(CHARGE, {}, { token: member.token }));
      for (let i = 0; i < 4; i += 1)
        expect(errorCode(await offline.gql(LOGIN, { l: member.loginId, p: "wrong-password" }))).toBe("UNAUTHENTICATED");
      expectData(await offline.gql(LOGIN, { l: member.loginId, p: "correct-horse-battery" }));
    } finally {
      await offline.close();
    }
  });
});
