/**
 * Token verification and issuing settings: their variables (spread into the controller's one
 * env schema), the checks across them, `JWT_SECRET_FILE`, and the section of the frozen config
 * built from them.
 */
import { readFileSync, statSync } from "node:fs";
import type { FieldIssue } from "@eventflow/protocol";
import { z } from "zod";
import { bool, nonEmpty, positiveInt } from "../env-schema.js";
import { tenantSchema } from "../schemas/common.js";
import { estimatedSecretBits, MIN_SECRET_BITS } from "./secret-strength.js";

/** Asymmetric algorithms accepted from an OIDC issuer by default (never `none`, never HS*). */
export const DEFAULT_OIDC_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;
const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Keys are fetched from the issuer: only https, or http on this machine (tests, dev). */
function isSecureIssuer(issuer: string): boolean {
  if (!URL.canParse(issuer)) return true; // reported by the field's own check
  const url = new URL(issuer);
  return url.protocol === "https:" || LOOPBACK_HOSTS.has(url.hostname);
}

/** The variables (validated with the rest of the controller's environment). */
export const AUTH_ENV = {
  JWT_SECRET: z
    .string({
      error: "is required (HS256 secret of at least 32 characters, or JWT_SECRET_FILE)",
    })
    .min(32, { error: "must be at least 32 characters (HS256 needs a 256-bit secret)" })
    .refine((v) => v.length < 32 || estimatedSecretBits(v) >= MIN_SECRET_BITS, {
      error:
        "is too predictable (repeated characters, spaces or a repeated word); use random bytes, e.g. `openssl rand -base64 32`",
    }),
  EVENTFLOW_DEV_AUTH: bool.default(false),
  // A tenant name like any other: it becomes part of keys, subjects and Kubernetes names, where
  // a '.' or '*' would reach into other tenants' keys.
  EVENTFLOW_DEFAULT_TENANT: tenantSchema.default("default"),
  EVENTFLOW_JWT_ISSUER: nonEmpty.default("eventflow"),
  EVENTFLOW_JWT_AUDIENCE: nonEmpty.default("eventflow"),
  EVENTFLOW_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  EVENTFLOW_OIDC_AUDIENCE: nonEmpty.optional(),
  EVENTFLOW_OIDC_CLIENT_ID: nonEmpty.optional(),
  EVENTFLOW_OIDC_ALGORITHMS: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1))
    .optional(),
  EVENTFLOW_TENANT_CLAIM: nonEmpty.default("tenant"),
  EVENTFLOW_ROLE_CLAIM: nonEmpty.default("role"),
  EVENTFLOW_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  EVENTFLOW_JWKS_CACHE_SECONDS: positiveInt(86_400).default(600),
  EVENTFLOW_JWKS_MAX_STALE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(86_400),
  EVENTFLOW_DEV_TOKEN_TTL_SECONDS: positiveInt(30 * 86_400).default(86_400),
  EVENTFLOW_INVOKE_TOKEN_MAX_TTL_SECONDS: positiveInt(365 * 86_400).default(30 * 86_400),
};

type AuthEnv = z.output<z.ZodObject<typeof AUTH_ENV>>;

/** The checks across variables: OIDC needs an audience, and keys fetched over https. */
export function checkAuthEnv(
  env: Pick<AuthEnv, "EVENTFLOW_OIDC_ISSUER" | "EVENTFLOW_OIDC_AUDIENCE">,
  ctx: z.RefinementCtx,
): void {
  if (env.EVENTFLOW_OIDC_ISSUER !== undefined && env.EVENTFLOW_OIDC_AUDIENCE === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["EVENTFLOW_OIDC_AUDIENCE"],
      message: "is required when EVENTFLOW_OIDC_ISSUER is set",
    });
  }
  if (env.EVENTFLOW_OIDC_ISSUER !== undefined && !isSecureIssuer(env.EVENTFLOW_OIDC_ISSUER)) {
    ctx.addIssue({
      code: "custom",
      path: ["EVENTFLOW_OIDC_ISSUER"],
      message: "must use https (plain http only for a loopback issuer)",
    });
  }
}

/** Token verification and issuing settings. */
export interface AuthConfig {
  /** HS256 secret for tokens the controller issues (dev and scoped invoke tokens). */
  readonly jwtSecret: string;
  /**
   * Where the secret came from with `JWT_SECRET_FILE`; `readableByOthers` when the file's mode
   * lets any user read it (the controller warns at start, see {@link readSecretFile}).
   */
  readonly jwtSecretFile?: { readonly path: string; readonly readableByOthers: boolean };
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly devAuth: boolean;
  /** Tenant of dev tokens that name none, and of admin tokens without a tenant claim. */
  readonly defaultTenant: string;
  readonly devTokenTtlSeconds: number;
  readonly invokeTokenMaxTtlSeconds: number;
  readonly oidc?: {
    readonly issuer: string;
    readonly audience: string;
    readonly algorithms: readonly string[];
    readonly jwksCacheSeconds: number;
    /** How long the last key set stays usable while the issuer is unreachable (0: not at all). */
    readonly jwksMaxStaleSeconds: number;
    /** Public client id the dashboard and CLI sign in with (told to them by GET /auth/config). */
    readonly clientId?: string;
  };
  readonly tenantClaim: string;
  readonly roleClaim: string;
  readonly clockSkewSeconds: number;
}

/**
 * `JWT_SECRET_FILE`: the secret read from a file (a mounted Kubernetes Secret, a Docker secret),
 * so it need not sit in the controller's environment, where anything that can read
 * `/proc/<pid>/environ` sees it. The file's content is checked like `JWT_SECRET` (one trailing
 * newline dropped). Puts the secret into `defined`; returns the problems found, or the file and
 * whether anyone may read it. A world-readable file is warned about, not refused: Docker swarm
 * mounts secrets 0444 by default. Group read is not warned about: Kubernetes makes a mounted
 * Secret 0440 with the pod's `fsGroup`, and local-driver replicas run with their own gid and no
 * supplementary groups.
 */
export function readSecretFile(
  defined: Record<string, string>,
): FieldIssue[] | AuthConfig["jwtSecretFile"] {
  const path = defined.JWT_SECRET_FILE;
  if (path === undefined) return undefined;
  if (defined.JWT_SECRET !== undefined) {
    return [{ path: "JWT_SECRET_FILE", message: "must not be set together with JWT_SECRET" }];
  }
  try {
    defined.JWT_SECRET = readFileSync(path, "utf8").replace(/\r?\n$/, "");
    return { path, readableByOthers: (statSync(path).mode & 0o004) !== 0 };
  } catch (error) {
    return [
      {
        path: "JWT_SECRET_FILE",
        message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): ${path}`,
      },
    ];
  }
}

/** The auth section of the controller's config; `secretFile` is what {@link readSecretFile} found. */
export function parseAuth(e: AuthEnv, secretFile: AuthConfig["jwtSecretFile"]): AuthConfig {
  return {
    jwtSecret: e.JWT_SECRET,
    ...(secretFile === undefined ? {} : { jwtSecretFile: secretFile }),
    jwtIssuer: e.EVENTFLOW_JWT_ISSUER,
    jwtAudience: e.EVENTFLOW_JWT_AUDIENCE,
    devAuth: e.EVENTFLOW_DEV_AUTH,
    defaultTenant: e.EVENTFLOW_DEFAULT_TENANT,
    devTokenTtlSeconds: e.EVENTFLOW_DEV_TOKEN_TTL_SECONDS,
    invokeTokenMaxTtlSeconds: e.EVENTFLOW_INVOKE_TOKEN_MAX_TTL_SECONDS,
    ...(e.EVENTFLOW_OIDC_ISSUER === undefined || e.EVENTFLOW_OIDC_AUDIENCE === undefined
      ? {}
      : {
          oidc: {
            issuer: e.EVENTFLOW_OIDC_ISSUER,
            audience: e.EVENTFLOW_OIDC_AUDIENCE,
            algorithms: e.EVENTFLOW_OIDC_ALGORITHMS ?? [...DEFAULT_OIDC_ALGORITHMS],
            jwksCacheSeconds: e.EVENTFLOW_JWKS_CACHE_SECONDS,
            jwksMaxStaleSeconds: e.EVENTFLOW_JWKS_MAX_STALE_SECONDS,
            ...(e.EVENTFLOW_OIDC_CLIENT_ID === undefined
              ? {}
              : { clientId: e.EVENTFLOW_OIDC_CLIENT_ID }),
          },
        }),
    tenantClaim: e.EVENTFLOW_TENANT_CLAIM,
    roleClaim: e.EVENTFLOW_ROLE_CLAIM,
    clockSkewSeconds: e.EVENTFLOW_CLOCK_SKEW_SECONDS,
  };
}
