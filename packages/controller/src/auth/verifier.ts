/**
 * Verifies bearer tokens: the controller's own HS256 tokens (JWT_SECRET) and, when configured,
 * an OIDC issuer's tokens (asymmetric algorithms only). The unverified `iss` picks the path,
 * and each path allows only its own algorithms, so HS/RS confusion and `alg: none` fail.
 */
import { EventFlowError } from "@eventflow/protocol";
import { decodeJwt, jwtVerify, type JWTPayload } from "jose";
import type { AuthConfig } from "../config.js";
import { tenantSchema } from "../schemas/common.js";
import { fromJoseError } from "./jose-errors.js";
import { createOidcKeys, type OidcKeys, type OidcKeysObserver } from "./oidc.js";
import { toRole, type Principal } from "./principal.js";
import { FUNCTION_CLAIM, FUNCTION_CREATED_CLAIM, SCOPE_CLAIM } from "./tokens.js";

const CACHE_MAX = 10_000;
const CACHE_MS = 60_000;

/** Turns a bearer token into a {@link Principal} or throws an AUTH_* error. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
  /**
   * The principal of a token verified a moment ago and still valid, without waiting (the
   * invoke hot path); undefined when `verify` has to run.
   */
  cached?(token: string): Principal | undefined;
}

/** Dependencies of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  readonly auth: AuthConfig;
  readonly now?: () => Date;
  /** Least time between JWKS refetches for unknown keys; lowered in tests of key rotation. */
  readonly jwksCooldownMs?: number;
  readonly fetch?: typeof fetch;
  /** Told when the OIDC key set is used stale and when it refreshes again. */
  readonly oidcObserver?: OidcKeysObserver;
}

function invalid(reason: string): EventFlowError {
  return new EventFlowError("AUTH_TOKEN_INVALID", "the token is not valid", {
    details: { reason },
  });
}

function readTenant(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (!tenantSchema.safeParse(value).success) throw invalid(`claim ${claim} is not a valid tenant`);
  return value as string;
}

function toPrincipal(payload: JWTPayload, auth: AuthConfig, ownToken: boolean): Principal {
  const subject = typeof payload.sub === "string" ? payload.sub : "";
  const tenant = readTenant(payload, auth.tenantClaim);
  if (ownToken && payload[SCOPE_CLAIM] === "invoke") {
    const fn = payload[FUNCTION_CLAIM];
    if (tenant === undefined || typeof fn !== "string")
      throw invalid("invoke token without tenant or function");
    const created = payload[FUNCTION_CREATED_CLAIM];
    return {
      kind: "invoke",
      subject,
      tenant,
      function: fn,
      ...(typeof created === "string" ? { functionCreatedAt: created } : {}),
    };
  }
  const role = toRole(payload[auth.roleClaim]);
  if (tenant === undefined && role !== "admin")
    throw invalid(`claim ${auth.tenantClaim} is missing`);
  return {
    kind: "user",
    subject,
    issuer: payload.iss ?? "",
    tenant: tenant ?? auth.defaultTenant,
    role,
  };
}

/** Creates the verifier for `auth`. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { auth } = options;
  const secret = new TextEncoder().encode(auth.jwtSecret);
  const common = { clockTolerance: auth.clockSkewSeconds, requiredClaims: ["exp"] };
  const oidc = auth.oidc;
  const keys: OidcKeys | undefined =
    oidc === undefined
      ? undefined
      : createOidcKeys({
          issuer: oidc.issuer,
          cacheMaxAgeMs: oidc.jwksCacheSeconds * 1000,
          maxStaleMs: oidc.jwksMaxStaleSeconds * 1000,
          ...(options.oidcObserver ? { observer: options.oidcObserver } : {}),
          ...(options.jwksCooldownMs === undefined ? {} : { cooldownMs: options.jwksCooldownMs }),
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        });

  // Verified tokens are remembered briefly (at most a minute and never past `exp`) so the
  // invoke hot path does not pay for an HMAC or signature check on every request.
  const cache = new Map<string, { principal: Principal; until: number }>();
  const clock = () => (options.now === undefined ? Date.now() : options.now().getTime());
  function remember(token: string, principal: Principal, exp: number | undefined): Principal {
    if (cache.size >= CACHE_MAX) cache.clear();
    const until = Math.min(clock() + CACHE_MS, (exp ?? 0) * 1000);
    cache.set(token, { principal, until });
    return principal;
  }

  function cached(token: string): Principal | undefined {
    const hit = cache.get(token);
    if (hit === undefined) return undefined;
    if (hit.until > clock()) return hit.principal;
    cache.delete(token);
    return undefined;
  }

  return {
    cached,
    async verify(token) {
      const hit = cached(token);
      if (hit !== undefined) return hit;
      let unverified: JWTPayload;
      try {
        unverified = decodeJwt(token);
      } catch (error) {
        throw fromJoseError(error);
      }
      const now = options.now === undefined ? {} : { currentDate: options.now() };
      try {
        if (oidc !== undefined && keys !== undefined && unverified.iss === oidc.issuer) {
          const keySet = await keys.getKeySet();
          const { payload } = await jwtVerify(token, keySet, {
            ...common,
            ...now,
            algorithms: [...oidc.algorithms],
            issuer: oidc.issuer,
            audience: oidc.audience,
          });
          return remember(token, toPrincipal(payload, auth, false), payload.exp);
        }
        const { payload } = await jwtVerify(token, secret, {
          ...common,
          ...now,
          algorithms: ["HS256"],
          issuer: auth.jwtIssuer,
          audience: auth.jwtAudience,
        });
        return remember(token, toPrincipal(payload, auth, true), payload.exp);
      } catch (error) {
        throw fromJoseError(error);
      }
    },
  };
}
