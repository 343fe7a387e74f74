import { SignJWT, jwtVerify, errors } from "jose";
import type { Role } from "./member.rules.js";

export interface TokenClaims {
  memberId: number;
  role: Role;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "expired" | "invalid" };

const ISSUER = "ecommerce-order-service";

/** HS256 JSON Web Tokens with an expiry; only HS256 is accepted on the way back in. */
export class AuthTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(claims: TokenClaims): Promise<string> {
    return new SignJWT({ role: claims.role })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(String(claims.memberId))
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER });
      const memberId = Number(payload.sub);
      const role = payload.role;
      if (!Number.isSafeInteger(memberId) || memberId < 1 || (role !== "MEMBER" && role !== "ADMIN")) {
        return { ok: false, reason: "invalid" };
      }
      return { ok: true, claims: { memberId, role } };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? "expired" : "invalid" };
    }
  }
}
