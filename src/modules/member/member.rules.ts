import { DomainError, ErrorCode, badUserInput } from "../../shared/errors.js";
import type { Role } from "../../shared/roles.js";

export interface SignUpInput {
  loginId: string;
  password: string;
  nickname: string;
}

/** What sign-up accepts, in canonical form (the database's CHECK says the same). */
export const LOGIN_ID_PATTERN = /^[a-z0-9._-]{4,50}$/;
export const PASSWORD_MIN = 8;
// scrypt hashes any length, but an unbounded password is a cheap way to burn our CPU.
export const PASSWORD_MAX = 128;
export const NICKNAME_MAX = 50;

// Control and format characters (newlines, bidi overrides, zero-width) have no place in a display name.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * The one form of a loginId: what is stored, looked up (byte for byte: the column is utf8mb4_bin) and
 * counted by the failed-login limit, so no spelling of an id reaches another account or gets a
 * lockout counter of its own.
 * - Unicode NFC: a composed and a decomposed "à" are one character.
 * - Surrounding White_Space trimmed (String.prototype.trim), not refused: it comes from copy-paste and
 *   autofill, never from a choice (sign-up never accepted it), so "alice " signs in as alice instead
 *   of failing as an unknown id with a counter of its own. It also keeps a stored id free of trailing
 *   spaces, which the column's PAD SPACE collation would ignore when comparing.
 * - Case folded with Unicode's default lower-case mapping (toLowerCase: the same in every locale),
 *   then NFC again, as lower-casing can leave a sequence that composes differently. Sign-up accepts
 *   only ASCII ids, where every case fold agrees; for other input the fold only has to be one function.
 */
export function canonicalLoginId(raw: string): string {
  return raw.normalize("NFC").trim().toLowerCase().normalize("NFC");
}

/** Checks and normalizes a sign-up: the loginId canonical, the nickname trimmed, the password exactly as typed. */
export function validateSignUp(input: SignUpInput): SignUpInput {
  const loginId = canonicalLoginId(input.loginId);
  if (!LOGIN_ID_PATTERN.test(loginId)) {
    throw badUserInput("loginId", "loginId must be 4 to 50 letters, digits, '.', '_' or '-'");
  }
  validatePassword(input.password);
  const nickname = input.nickname.normalize("NFC").trim();
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points on purpose: what the column counts
  if (nickname.length === 0 || [...nickname].length > NICKNAME_MAX || INVISIBLE.test(nickname)) {
    throw badUserInput("nickname", `nickname must be 1 to ${NICKNAME_MAX} visible characters`);
  }
  return { loginId, password: input.password, nickname };
}

export function validatePassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw badUserInput("password", `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  }
}

/** The same error for an unknown loginId and a wrong password, so the API does not reveal who has an account. */
export const invalidCredentials = (): DomainError =>
  new DomainError(ErrorCode.UNAUTHENTICATED, "loginId or password is incorrect");

export const loginIdTaken = (): DomainError =>
  new DomainError(ErrorCode.CONFLICT, "this loginId is already taken", { field: "loginId" });

/**
 * The member found under the operator's ADMIN loginId: kept when it is an ADMIN, refused when it is
 * not (whoever signed up under that loginId chose its password, not the operator).
 */
export function existingAdmin<T extends { role: Role }>(found: T): T {
  if (found.role !== "ADMIN") throw loginIdHeldByMember();
  return found;
}

export const loginIdHeldByMember = (): DomainError =>
  new DomainError(
    ErrorCode.CONFLICT,
    "a member who is not an ADMIN holds this loginId, and an existing member is never promoted",
    {
      field: "loginId",
    },
  );
