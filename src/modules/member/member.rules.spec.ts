import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/errors.js";
import {
  NICKNAME_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  canonicalLoginId,
  existingAdmin,
  invalidCredentials,
  loginIdHeldByMember,
  loginIdTaken,
  validatePassword,
  validateSignUp,
  type SignUpInput,
} from "./member.rules.js";
import { thrown } from "../../../test/helpers/thrown.js";

const signUp = (overrides: Partial<SignUpInput> = {}): SignUpInput => ({
  loginId: "jane.doe",
  password: "correct horse",
  nickname: "Jane",
  ...overrides,
});

describe(canonicalLoginId.name, () => {
  it.each([
    ["lower case as it is", "jane.doe", "jane.doe"],
    ["upper case folded", "Jane_DOE-1", "jane_doe-1"],
    ["surrounding spaces, tabs and newlines trimmed", " \tjane.doe \r\n", "jane.doe"],
    ["a no-break and an ideographic space trimmed", "\u00A0jane\u3000", "jane"],
    ["inner spaces kept (sign-up refuses them)", "jane doe", "jane doe"],
    ["a decomposed accent composed", "a\u0300lice", "\u00E0lice"],
    ["a composed capital accent folded", "\u00C0lice", "\u00E0lice"],
    ["a decomposed capital accent composed and folded", "A\u0300LICE", "\u00E0lice"],
    ["the Kelvin sign folded to k, as toLowerCase maps it", "\u212Aing", "king"],
    ["fullwidth letters kept apart (NFC, not NFKC)", "\uFF41\uFF42\uFF43\uFF44", "\uFF41\uFF42\uFF43\uFF44"],
    ["an empty loginId empty", "", ""],
  ])("keeps %s", (_, raw, canonical) => {
    expect(canonicalLoginId(raw)).toBe(canonical);
  });

  it("gives every spelling of a composed or decomposed, any-case, padded id one form", () => {
    const spellings = ["àlice", "a\u0300lice", "Àlice", "A\u0300lice", "ÀLICE", " àlice", "àlice\t"];
    expect(new Set(spellings.map(canonicalLoginId))).toEqual(new Set(["\u00E0lice"]));
    expect(canonicalLoginId("alice")).not.toBe(canonicalLoginId("àlice"));
  });

  it("is a fixed point: NFC, no surrounding White_Space, unchanged when canonicalised again", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (raw) => {
        const canonical = canonicalLoginId(raw);
        expect(canonical).toBe(canonical.normalize("NFC"));
        expect(canonical).toBe(canonical.trim());
        expect(canonicalLoginId(canonical)).toBe(canonical);
        expect(canonicalLoginId(raw.normalize("NFD"))).toBe(canonical);
      }),
      { numRuns: 2_000, seed: 20261130 },
    );
  });

  it("folds ASCII ids however they are cased", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._-]{4,50}$/), (raw) => {
        expect(canonicalLoginId(raw.toUpperCase())).toBe(canonicalLoginId(raw.toLowerCase()));
        expect(canonicalLoginId(raw)).toMatch(/^[a-z0-9._-]{4,50}$/);
      }),
      { numRuns: 500, seed: 20261130 },
    );
  });
});

describe(validateSignUp.name, () => {
  it("makes the loginId canonical, trims the nickname and keeps the password exactly as typed", () => {
    expect(
      validateSignUp(signUp({ loginId: " Jane_Doe-1.x ", password: "  pass word  ", nickname: "  Jane  " })),
    ).toEqual({
      loginId: "jane_doe-1.x",
      password: "  pass word  ",
      nickname: "Jane",
    });
  });

  describe("loginId", () => {
    it.each(["jane.doe", "jane_doe", "jane-doe", "janedoe2024", "...."])("accepts %j", (loginId) => {
      expect(validateSignUp(signUp({ loginId })).loginId).toBe(loginId);
    });

    it.each([
      ["JaneDoe2024", "janedoe2024"],
      [" jane", "jane"],
      ["jane.doe\n", "jane.doe"],
      ["\u212Aing", "king"],
    ])("accepts %j as %j", (loginId, canonical) => {
      expect(validateSignUp(signUp({ loginId })).loginId).toBe(canonical);
    });

    it("accepts 4 to 50 characters", () => {
      expect(validateSignUp(signUp({ loginId: "abcd" })).loginId).toBe("abcd");
      expect(validateSignUp(signUp({ loginId: "a".repeat(50) })).loginId).toBe("a".repeat(50));
    });

    it.each([
      ["that is empty", ""],
      ["of three characters", "abc"],
      ["of 51 characters", "a".repeat(51)],
      ["with a space", "jane doe"],
      ["of three characters between spaces", "  abc  "],
      ["with an @", "jane@example.com"],
      ["with a non-ASCII letter", "jäne.doe"],
      ["with a decomposed non-ASCII letter", "ja\u0308ne.doe"],
      ["in Hangul", "김철수회원"],
      ["with a zero-width space", "jane\u200Bdoe"],
      ["with a fullwidth letter", "ｊａｎｅ"],
    ])("refuses a loginId %s", (_, loginId) => {
      const error = thrown(() => validateSignUp(signUp({ loginId })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("loginId");
    });
  });

  it("checks the password", () => {
    const error = thrown(() => validateSignUp(signUp({ password: "short" })));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("password");
  });

  it("reports the loginId first when several fields are wrong", () => {
    expect(thrown(() => validateSignUp({ loginId: "x", password: "", nickname: "" })).details.field).toBe("loginId");
  });

  describe("nickname", () => {
    it.each(["J", "김철수", "Zoë", "Jane Doe", "🐱"])("accepts %j", (nickname) => {
      expect(validateSignUp(signUp({ nickname })).nickname).toBe(nickname);
    });

    it(`counts characters, not UTF-16 units, against the ${NICKNAME_MAX}-character limit`, () => {
      expect(validateSignUp(signUp({ nickname: "a".repeat(NICKNAME_MAX) })).nickname).toHaveLength(NICKNAME_MAX);
      expect(validateSignUp(signUp({ nickname: "🐱".repeat(NICKNAME_MAX) })).nickname).toHaveLength(2 * NICKNAME_MAX);
    });

    it(`measures the ${NICKNAME_MAX}-character limit after trimming`, () => {
      expect(validateSignUp(signUp({ nickname: ` ${"a".repeat(NICKNAME_MAX)} ` })).nickname).toBe(
        "a".repeat(NICKNAME_MAX),
      );
    });

    it.each([
      ["that is empty", ""],
      ["of only spaces", "    "],
      ["of only an ideographic space", "\u3000"],
      ["one character too long", "a".repeat(NICKNAME_MAX + 1)],
      ["one emoji too long", "🐱".repeat(NICKNAME_MAX + 1)],
      ["with an inner newline", "Jane\nDoe"],
      ["with a bell character", "Jane\u0007"],
      ["with a zero-width space", "Ja\u200Bne"],
      ["of only a zero-width non-joiner", "\u200C"],
      ["with a right-to-left override", "\u202EenaJ"],
      ["with a left-to-right mark", "Jane\u200E"],
    ])("refuses a nickname %s", (_, nickname) => {
      const error = thrown(() => validateSignUp(signUp({ nickname })));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe("nickname");
    });
  });
});

describe(validatePassword.name, () => {
  it.each([
    ["the shortest", "a".repeat(PASSWORD_MIN)],
    ["the longest", "a".repeat(PASSWORD_MAX)],
    ["an all-space", " ".repeat(PASSWORD_MIN)],
    ["a non-ASCII", "비밀번호비밀번호"],
  ])("accepts %s password", (_, password) => {
    expect(() => validatePassword(password)).not.toThrow();
  });

  it.each([
    ["an empty", ""],
    ["a too short", "a".repeat(PASSWORD_MIN - 1)],
    ["a too long", "a".repeat(PASSWORD_MAX + 1)],
  ])("refuses %s password", (_, password) => {
    const error = thrown(() => validatePassword(password));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe("password");
  });
});

describe(invalidCredentials.name, () => {
  it("is UNAUTHENTICATED without saying whether the loginId or the password was wrong", () => {
    const error = invalidCredentials();
    expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(error.details).toEqual({});
    expect(error.message).toBe("loginId or password is incorrect");
  });
});

describe(loginIdTaken.name, () => {
  it("is a CONFLICT on the loginId field", () => {
    const error = loginIdTaken();
    expect(error.code).toBe(ErrorCode.CONFLICT);
    expect(error.details.field).toBe("loginId");
  });
});

describe(existingAdmin.name, () => {
  it("keeps an ADMIN as it is", () => {
    const admin = { id: 1, role: "ADMIN" as const };
    expect(existingAdmin(admin)).toBe(admin);
  });

  it("never promotes a MEMBER: CONFLICT on the loginId", () => {
    const error = thrown(() => existingAdmin({ id: 2, role: "MEMBER" as const }));
    expect(error.code).toBe(ErrorCode.CONFLICT);
    expect(error.details.field).toBe("loginId");
  });
});

describe(loginIdHeldByMember.name, () => {
  it("is a CONFLICT on the loginId field that says no member is promoted", () => {
    const error = loginIdHeldByMember();
    expect(error.code).toBe(ErrorCode.CONFLICT);
    expect(error.details.field).toBe("loginId");
    expect(error.message).toMatch(/never promoted/);
  });
});
