/**
 * The controller's configuration: parsed once from the environment at startup, every bad key
 * reported at once, the result frozen and passed down. Nothing else reads `process.env`.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { EventFlowError, describeIssue, toFieldIssues, type FieldIssue } from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  MAX_BODY_BYTES_CEILING,
} from "@eventflow/protocol/function-spec";
import { z } from "zod";
import { estimatedSecretBits, MIN_SECRET_BITS } from "./auth/secret-strength.js";
import { readFileSync, statSync } from "node:fs";
import { parseRegistryConfig, type RegistryConfig } from "./registry-config.js";

export { ROLES, type Role } from "./schemas/common.js";
export type { RegistryConfig } from "./registry-config.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
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

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const nonEmpty = z.string().trim().min(1);

/** A Kubernetes object name (DNS-1123 subdomain), e.g. a Secret's. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const secretNames = z
  .string()
  .transform((s) => [
    ...new Set(
      s
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(
    z.array(
      z.string().max(253).regex(DNS_SUBDOMAIN, {
        error: "must be comma-separated Secret names (DNS-1123 subdomains)",
      }),
    ),
  );

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Keys are fetched from the issuer: only https, or http on this machine (tests, dev). */
function isSecureIssuer(issuer: string): boolean {
  if (!URL.canParse(issuer)) return true; // reported by the field's own check
  const url = new URL(issuer);
  return url.protocol === "https:" || LOOPBACK_HOSTS.has(url.hostname);
}

const envSchema = z
  .object({
    PORT: port.default(8080),
    EVENTFLOW_HOST: nonEmpty.optional(),
    NAMESPACE: nonEmpty.default("default"),
    JWT_SECRET: z
      .string({
        error: "is required (HS256 secret of at least 32 characters, or JWT_SECRET_FILE)",
      })
      .min(32, { error: "must be at least 32 characters (HS256 needs a 256-bit secret)" })
      .refine((v) => v.length < 32 || estimatedSecretBits(v) >= MIN_SECRET_BITS, {
        error:
          "is too predictable (repeated characters, spaces or a repeated word); use random bytes, e.g. `openssl rand -base64 32`",
      }),
    LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
    METRICS_PORT: port.default(9090),
    METRICS_HOST: nonEmpty.optional(),
    EVENTFLOW_DRIVER: z.enum(["local", "kubernetes"]).optional(),
    EVENTFLOW_DATA_DIR: nonEmpty.optional(),
    PATH: nonEmpty.optional(),
    EVENTFLOW_ALLOW_EMPTY_STORE: bool.default(false),
    EVENTFLOW_LOCAL_SECRET_KEY_FILE: nonEmpty.optional(),
    EVENTFLOW_LOCAL_SANDBOX: z.enum(["auto", "bwrap", "none"]).default("auto"),
    EVENTFLOW_LOCAL_UID_BASE: z.coerce.number().int().min(1000).max(4_000_000_000).default(200_000),
    EVENTFLOW_LOCAL_UID_COUNT: z.coerce.number().int().min(1).max(1_000_000).default(65_536),
    EVENTFLOW_BACKUP_INTERVAL_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(3600),
    EVENTFLOW_BACKUP_KEEP: positiveInt(1000).default(5),
    EVENTFLOW_NAMESPACE_PER_TENANT: bool.default(false),
    EVENTFLOW_NAMESPACE_PREFIX: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*)?$/, {
        error: "must start a DNS-1123 label (lower-case letters, digits, '-')",
      })
      .max(30)
      .default("eventflow-"),
    EVENTFLOW_CONTROLLER_NAMESPACE: nonEmpty.default("eventflow-system"),
    EVENTFLOW_KUBERNETES_ENDPOINTS: z.enum(["pod", "service"]).default("pod"),
    EVENTFLOW_IMAGE_PULL_SECRETS: secretNames.optional(),
    // EVENTFLOW_REGISTRY_AUTH_FILE, EVENTFLOW_REGISTRY_CA_FILE and DOCKER_CONFIG are paths,
    // read by parseRegistryConfig.
    EVENTFLOW_DEV_AUTH: bool.default(false),
    EVENTFLOW_DEFAULT_TENANT: nonEmpty.default("default"),
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
    EVENTFLOW_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    EVENTFLOW_MAX_BODY_BYTES: positiveInt(64 * 1024 * 1024).default(1024 * 1024),
    EVENTFLOW_BODY_TIMEOUT_SECONDS: positiveInt(600).default(30),
    EVENTFLOW_MAX_INVOKE_BODY_BYTES: positiveInt(MAX_BODY_BYTES_CEILING).default(
      DEFAULT_FUNCTION_SPEC_LIMITS.maxBodyBytes ?? MAX_BODY_BYTES_CEILING,
    ),
    EVENTFLOW_DEFAULT_TIMEOUT_SECONDS: positiveInt(3600).default(30),
    EVENTFLOW_MAX_REPLICAS: positiveInt(1000).default(DEFAULT_FUNCTION_SPEC_LIMITS.maxReplicas),
    EVENTFLOW_DEV_TOKEN_TTL_SECONDS: positiveInt(30 * 86_400).default(86_400),
    EVENTFLOW_INVOKE_TOKEN_MAX_TTL_SECONDS: positiveInt(365 * 86_400).default(30 * 86_400),
    EVENTFLOW_SSE_HEARTBEAT_SECONDS: positiveInt(300).default(15),
    EVENTFLOW_SHUTDOWN_DRAIN_SECONDS: z.coerce.number().min(0).max(300).default(0),
    EVENTFLOW_TENANT_INVOKE_RATE: z.coerce.number().min(0).max(1_000_000).default(0),
    EVENTFLOW_TENANT_INVOKE_BURST: positiveInt(10_000_000).optional(),
    EVENTFLOW_FUNCTION_LOG_RATE: z.coerce.number().min(0).max(1_000_000).default(1000),
    KUBERNETES_SERVICE_HOST: z.string().optional(),
    KUBECONFIG: z.string().optional(),
    HOME: z.string().optional(),
    XDG_DATA_HOME: z.string().optional(),
  })
  .superRefine((env, ctx) => {
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
    if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({ code: "custom", path: ["METRICS_PORT"], message: "must differ from PORT" });
    }
  });

/** The controller's frozen configuration. */
export interface Config {
  /** API port (`PORT`). */
  readonly port: number;
  /**
   * Where clients reach the controller (`EVENTFLOW_PUBLIC_URL`, no trailing slash), the base of
   * functions' URLs in API answers; absent: the origin each request came to.
   */
  readonly publicUrl?: string;
  /** Bind address: 127.0.0.1 when dev auth is on, else 0.0.0.0 (`EVENTFLOW_HOST`). */
  readonly host: string;
  /** Kubernetes namespace for functions (`NAMESPACE`). */
  readonly namespace: string;
  /** Prometheus listener port; 0 means no separate listener (`METRICS_PORT`). */
  readonly metricsPort: number;
  /**
   * Bind address of the metrics listener (`METRICS_HOST`): 0.0.0.0 inside a cluster, where
   * Prometheus scrapes the pod, else 127.0.0.1, since the exposition names every tenant and
   * function and has no auth.
   */
  readonly metricsHost: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly driver: "local" | "kubernetes";
  /** Where the local driver keeps its store, image cache and logs. */
  readonly dataDir: string;
  /** The local driver's database: what it may start on, and its rolling backups. */
  /**
   * How the local driver confines replicas (`EVENTFLOW_LOCAL_SANDBOX`): bubblewrap namespaces
   * (`bwrap`, or `auto` when it works here) or plain processes (`none`); and the first uid of the
   * per-tenant users replicas run as when the controller is root: uids from
   * `EVENTFLOW_LOCAL_UID_BASE`, `EVENTFLOW_LOCAL_UID_COUNT` of them.
   */
  readonly localSandbox: {
    readonly mode: "auto" | "bwrap" | "none";
    readonly uidBase: number;
    readonly uidCount: number;
    /** The controller's own `PATH`, the one environment value its replicas inherit. */
    readonly replicaPath?: string;
  };
  readonly localStore: {
    /** Start on a new or emptied database although the data dir shows earlier state. */
    readonly allowEmpty: boolean;
    /** Seconds between backups into `<dataDir>/backup` (0: none). */
    readonly backupIntervalSeconds: number;
    readonly backupKeep: number;
    /** The key file sealing secret values (`EVENTFLOW_LOCAL_SECRET_KEY_FILE`; default in the data dir). */
    readonly secretKeyFile?: string;
  };
  readonly auth: AuthConfig;
  readonly limits: LimitsConfig;
  readonly kubernetes: KubernetesConfig;
  readonly registry: RegistryConfig;
}

/** Settings of the kubernetes driver. */
export interface KubernetesConfig {
  /** One namespace for every tenant's functions (`NAMESPACE`), unless `namespacePerTenant`. */
  readonly namespacePerTenant: boolean;
  /** Prefix of tenant namespaces (`eventflow-` + tenant). */
  readonly namespacePrefix: string;
  /** The controller's own namespace: tenant NetworkPolicies admit ingress only from it. */
  readonly controllerNamespace: string;
  /** How invokes reach replicas: ready pod IPs, or the Service's DNS name. */
  readonly endpointMode: "pod" | "service";
  /** Secrets (in each function namespace) added as imagePullSecrets to function pods. */
  readonly imagePullSecrets: readonly string[];
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

/** Request, replica and timing limits. */
export interface LimitsConfig {
  readonly maxBodyBytes: number;
  readonly maxInvokeBodyBytes: number;
  /** How long a JSON API body may take to arrive (408 after). */
  readonly bodyTimeoutSeconds: number;
  readonly defaultTimeoutSeconds: number;
  readonly maxReplicas: number;
  readonly sseHeartbeatSeconds: number;
  /**
   * After SIGTERM, how long the controller keeps serving with `Connection: close` on every
   * answer before it stops listening, so that keep-alive clients pinned to it (kube-proxy,
   * load balancers) reconnect to another replica instead of writing into a closing socket.
   */
  readonly shutdownDrainSeconds: number;
  /** Invokes per second (and burst) per tenant; absent: no limit. */
  readonly tenantInvokeRate?: { readonly ratePerSecond: number; readonly burst: number };
  /** Log lines per second each function may have stored (local driver; 0: no limit). */
  readonly functionLogLinesPerSecond: number;
}

/** Variables whose value must never be printed back in an error. */
const SECRET_KEYS = new Set(["JWT_SECRET"]);

/** Issues in words, with the variable's text as it was set (`PORT ... (got "abc")`), secrets never shown. */
function toIssues(error: z.ZodError, defined: Readonly<Record<string, string>>): FieldIssue[] {
  return toFieldIssues(error.issues, {
    inputOf: (path) => (SECRET_KEYS.has(path) ? undefined : defined[path]),
  });
}

function invalid(details: FieldIssue[]): EventFlowError {
  const list = details.map((d) => `${d.path} ${d.message}`).join("; ");
  return new EventFlowError("CONFIG_INVALID", `invalid controller configuration: ${list}`, {
    details,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
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
function readSecretFile(
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

/**
 * Parses the controller's configuration from an environment map; throws CONFIG_INVALID whose
 * `details` list every bad variable. Unrelated variables are ignored.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const defined: Record<string, string> = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
  const secretFile = readSecretFile(defined);
  const secretIssues = Array.isArray(secretFile) ? secretFile : [];
  const parsed = envSchema.safeParse(defined, { error: describeIssue, reportInput: true });
  if (!parsed.success || secretIssues.length > 0) {
    // A secret file that cannot be used is the one problem of the secret, not "JWT_SECRET missing".
    const rest = parsed.success ? [] : toIssues(parsed.error, defined);
    const issues = [
      ...secretIssues,
      ...(secretIssues.length > 0 ? rest.filter((i) => i.path !== "JWT_SECRET") : rest),
    ];
    parseRegistryConfig(defined, issues);
    throw invalid(issues);
  }
  const e = parsed.data;
  const fileIssues: FieldIssue[] = [];
  const registry = parseRegistryConfig(defined, fileIssues);
  if (fileIssues.length > 0) throw invalid(fileIssues);
  const hasCluster = e.KUBERNETES_SERVICE_HOST !== undefined || e.KUBECONFIG !== undefined;
  const dataHome = e.XDG_DATA_HOME ?? join(e.HOME ?? homedir(), ".local", "share");
  const config: Config = {
    port: e.PORT,
    ...(e.EVENTFLOW_PUBLIC_URL === undefined
      ? {}
      : { publicUrl: e.EVENTFLOW_PUBLIC_URL.replace(/\/+$/, "") }),
    host: e.EVENTFLOW_HOST ?? (e.EVENTFLOW_DEV_AUTH ? "127.0.0.1" : "0.0.0.0"),
    namespace: e.NAMESPACE,
    metricsPort: e.METRICS_PORT,
    metricsHost:
      e.METRICS_HOST ?? (e.KUBERNETES_SERVICE_HOST !== undefined ? "0.0.0.0" : "127.0.0.1"),
    logLevel: e.LOG_LEVEL,
    driver: e.EVENTFLOW_DRIVER ?? (hasCluster ? "kubernetes" : "local"),
    dataDir: e.EVENTFLOW_DATA_DIR ?? join(dataHome, "eventflow"),
    localSandbox: {
      mode: e.EVENTFLOW_LOCAL_SANDBOX,
      uidBase: e.EVENTFLOW_LOCAL_UID_BASE,
      uidCount: e.EVENTFLOW_LOCAL_UID_COUNT,
      ...(e.PATH === undefined ? {} : { replicaPath: e.PATH }),
    },
    localStore: {
      allowEmpty: e.EVENTFLOW_ALLOW_EMPTY_STORE,
      ...(e.EVENTFLOW_LOCAL_SECRET_KEY_FILE === undefined
        ? {}
        : { secretKeyFile: e.EVENTFLOW_LOCAL_SECRET_KEY_FILE }),
      backupIntervalSeconds: e.EVENTFLOW_BACKUP_INTERVAL_SECONDS,
      backupKeep: e.EVENTFLOW_BACKUP_KEEP,
    },
    auth: {
      jwtSecret: e.JWT_SECRET,
      ...(secretFile === undefined || Array.isArray(secretFile)
        ? {}
        : { jwtSecretFile: secretFile }),
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
    },
    kubernetes: {
      namespacePerTenant: e.EVENTFLOW_NAMESPACE_PER_TENANT,
      namespacePrefix: e.EVENTFLOW_NAMESPACE_PREFIX,
      controllerNamespace: e.EVENTFLOW_CONTROLLER_NAMESPACE,
      endpointMode: e.EVENTFLOW_KUBERNETES_ENDPOINTS,
      imagePullSecrets: e.EVENTFLOW_IMAGE_PULL_SECRETS ?? [],
    },
    registry,
    limits: {
      maxBodyBytes: e.EVENTFLOW_MAX_BODY_BYTES,
      maxInvokeBodyBytes: e.EVENTFLOW_MAX_INVOKE_BODY_BYTES,
      bodyTimeoutSeconds: e.EVENTFLOW_BODY_TIMEOUT_SECONDS,
      defaultTimeoutSeconds: e.EVENTFLOW_DEFAULT_TIMEOUT_SECONDS,
      maxReplicas: e.EVENTFLOW_MAX_REPLICAS,
      sseHeartbeatSeconds: e.EVENTFLOW_SSE_HEARTBEAT_SECONDS,
      shutdownDrainSeconds: e.EVENTFLOW_SHUTDOWN_DRAIN_SECONDS,
      functionLogLinesPerSecond: e.EVENTFLOW_FUNCTION_LOG_RATE,
      ...(e.EVENTFLOW_TENANT_INVOKE_RATE > 0
        ? {
            tenantInvokeRate: {
              ratePerSecond: e.EVENTFLOW_TENANT_INVOKE_RATE,
              burst:
                e.EVENTFLOW_TENANT_INVOKE_BURST ??
                Math.max(1, Math.ceil(2 * e.EVENTFLOW_TENANT_INVOKE_RATE)),
            },
          }
        : {}),
    },
  };
  return deepFreeze(config);
}
