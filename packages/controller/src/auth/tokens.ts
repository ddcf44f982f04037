/** Tokens the controller signs itself (HS256 with JWT_SECRET): dev tokens and scoped invoke tokens. */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { AuthConfig, Role } from "../config.js";

/** Claim marking a scoped invoke token, and the claim naming its function. */
export const SCOPE_CLAIM = "eventflow_scope";
/** The function a scoped invoke token may invoke. */
export const FUNCTION_CLAIM = "eventflow_function";
/**
 * When the function a scoped invoke token names was created: the token is bound to that one
 * function, so a function deleted and created again under the same name (another image,
 * another owner's code) does not accept tokens minted for the old one.
 */
export const FUNCTION_CREATED_CLAIM = "eventflow_function_created";

/** A signed token and when it expires. */
export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Signs the controller's own tokens. */
export interface TokenIssuer {
  /** A user token with a role in a tenant (dev auth). */
  issueUserToken(input: {
    subject: string;
    tenant: string;
    role: Role;
    ttlSeconds: number;
  }): Promise<IssuedToken>;
  /** An invoke-only token for one function. */
  issueInvokeToken(input: {
    subject: string;
    tenant: string;
    function: string;
    /** The function's `created_at`, which the token is bound to. */
    functionCreatedAt: string;
    ttlSeconds: number;
  }): Promise<IssuedToken>;
}

/** Creates the issuer for `auth`; `now` is injected so tests control expiry. */
export function createTokenIssuer(
  auth: AuthConfig,
  now: () => Date = () => new Date(),
): TokenIssuer {
  const key = new TextEncoder().encode(auth.jwtSecret);
  async function sign(
    claims: Record<string, unknown>,
    subject: string,
    ttlSeconds: number,
  ): Promise<IssuedToken> {
    const issuedAt = Math.floor(now().getTime() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(auth.jwtIssuer)
      .setAudience(auth.jwtAudience)
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }
  return {
    issueUserToken: ({ subject, tenant, role, ttlSeconds }) =>
      sign({ [auth.tenantClaim]: tenant, [auth.roleClaim]: role }, subject, ttlSeconds),
    issueInvokeToken: ({ subject, tenant, function: fn, functionCreatedAt, ttlSeconds }) =>
      sign(
        {
          [auth.tenantClaim]: tenant,
          [SCOPE_CLAIM]: "invoke",
          [FUNCTION_CLAIM]: fn,
          [FUNCTION_CREATED_CLAIM]: functionCreatedAt,
        },
        subject,
        ttlSeconds,
      ),
  };
}
