import type { AuthTokens } from "../../auth/auth-token.js";
import { adminOnly, requireMemberId, type Viewer } from "../../auth/viewer.js";
import type { Db } from "../../db/client.js";
import { isDuplicateKey } from "../../db/errors.js";
import { runInTransaction } from "../../db/transaction.js";
import type { CartService } from "../cart/cart.service.js";
import type { PointService } from "../point/point.service.js";
import type { Role } from "../../shared/roles.js";
import { findMemberByLoginId, findMembersByIds, insertMember, type MemberRow } from "./member.repository.js";
import {
  LOGIN_ID_PATTERN,
  canonicalLoginId,
  existingAdmin,
  invalidCredentials,
  loginIdTaken,
  validateSignUp,
  type SignUpInput,
} from "./member.rules.js";
import { decoyPasswordHash, hashPassword, verifyPassword } from "./password-hasher.js";

/** Limits logins and sign-ups (the rate limiter); the member module only says when they happen. */
export interface AccountThrottle {
  /** Counts the attempt before its password is checked; RATE_LIMITED past the limit. */
  takeLoginAttempt(canonicalLoginId: string, clientIp: string): Promise<void>;
  /** The attempt succeeded: only failures stay counted. */
  returnLoginAttempt(canonicalLoginId: string, clientIp: string): Promise<void>;
  /** Counts a sign-up from the address before it costs a password hash; RATE_LIMITED past the limit. */
  takeSignUp(clientIp: string): Promise<void>;
}

export interface AuthResult {
  token: string;
  member: MemberRow;
}

/** Sign-up, login and the ADMIN bootstrap. */
export class MemberService {
  constructor(
    private readonly db: Db,
    private readonly tokens: AuthTokens,
    private readonly points: PointService,
    private readonly carts: CartService,
    private readonly throttle: AccountThrottle,
  ) {}

  /**
   * Creates a MEMBER with an empty wallet and cart, and signs them in. Sign-ups are limited per client
   * address, counted once the input is valid (a typo costs nothing) and before the password is hashed.
   */
  async signUp(input: SignUpInput, clientIp: string): Promise<AuthResult> {
    const valid = validateSignUp(input);
    await this.throttle.takeSignUp(clientIp);
    const created = await this.createMember(valid, "MEMBER");
    return { token: await this.tokens.issue({ memberId: created.id, role: created.role }), member: created };
  }

  /** A MEMBER with an empty wallet and cart, for start-up data: no client, so no limit and no token. */
  async createMemberAccount(input: SignUpInput): Promise<MemberRow> {
    return this.createMember(validateSignUp(input), "MEMBER");
  }

  /**
   * Unknown loginId and wrong password fail alike, in the same time. Every attempt is counted per
   * loginId and per client address before its password is checked; past the limit it is RATE_LIMITED
   * with no password checked. A successful attempt is given back, so the limits count failures.
   */
  async login(loginId: string, password: string, clientIp: string): Promise<AuthResult> {
    // Every spelling of an id counts against its one canonical form (a bounded key: ids are <= 50).
    const canonical = canonicalLoginId(loginId);
    const subject = canonical.slice(0, 50);
    await this.throttle.takeLoginAttempt(subject, clientIp);
    // Only a well-formed id can be stored (the column's CHECK), so nothing else is looked up.
    const found = LOGIN_ID_PATTERN.test(canonical) ? await findMemberByLoginId(this.db, canonical) : undefined;
    const passwordOk = await verifyPassword(
      password.slice(0, 1024),
      found?.passwordHash ?? (await decoyPasswordHash()),
    );
    if (!found || !passwordOk) throw invalidCredentials();
    await this.throttle.returnLoginAttempt(subject, clientIp);
    return { token: await this.tokens.issue({ memberId: found.id, role: found.role }), member: found };
  }

  /**
   * The calling member when they are an ADMIN now. The role is read from the database, not the token,
   * so a demoted admin loses catalog rights at once rather than when their token expires.
   */
  async requireAdmin(viewer: Viewer): Promise<MemberRow> {
    const [found] = await findMembersByIds(this.db, [requireMemberId(viewer)]);
    if (found?.role !== "ADMIN") throw adminOnly();
    return found;
  }

  /**
   * Makes sure the operator-configured ADMIN exists (ADMIN_LOGIN_ID / ADMIN_PASSWORD). An existing
   * ADMIN with that loginId is left as it is, password included. An existing member who is not an
   * ADMIN is never promoted: whoever signed up under that loginId chose its password, so promoting
   * them would hand the shop to them (CONFLICT instead).
   */
  async ensureAdmin(loginId: string, password: string): Promise<MemberRow> {
    const valid = validateSignUp({ loginId, password, nickname: "admin" });
    const existing = await findMemberByLoginId(this.db, valid.loginId);
    if (existing) return existingAdmin(existing);
    try {
      return await this.createMember(valid, "ADMIN");
    } catch (error) {
      // Another process bootstrapped the same admin at the same moment: theirs is as good as ours,
      // but a member who signed up in that moment is still not promoted.
      const raced = await findMemberByLoginId(this.db, valid.loginId);
      if (raced) return existingAdmin(raced);
      throw error;
    }
  }

  private async createMember(input: SignUpInput, role: Role): Promise<MemberRow> {
    const passwordHash = await hashPassword(input.password);
    try {
      return await runInTransaction(
        this.db,
        async (tx) => {
          const id = await insertMember(tx, { loginId: input.loginId, passwordHash, nickname: input.nickname, role });
          await this.points.openWallet(tx, id);
          await this.carts.openCart(tx, id);
          const now = new Date();
          return {
            id,
            loginId: input.loginId,
            passwordHash,
            nickname: input.nickname,
            role,
            createdAt: now,
            updatedAt: now,
          };
        },
        // Plain inserts: the unique index on login_id, not isolation, is what keeps loginIds unique.
        { isolationLevel: "read committed" },
      );
    } catch (error) {
      if (isDuplicateKey(error)) throw loginIdTaken();
      throw error;
    }
  }
}
