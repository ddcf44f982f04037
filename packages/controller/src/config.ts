/**
 * The controller's configuration: parsed once from the environment at startup, every bad key
 * reported at once, the result frozen and passed down. Nothing else reads `process.env`.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import {
  EventFlowError,
  describeIssue,
  parseTracingEnv,
  toFieldIssues,
  type FieldIssue,
  type TracingConfig,
} from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  MAX_BODY_BYTES_CEILING,
} from "@eventflow/protocol/function-spec";
import { z } from "zod";
import { parseRegistryConfig, type RegistryConfig } from "./registry-config.js";

import {
  AUTH_ENV,
  checkAuthEnv,
  parseAuth,
  readSecretFile,
  type AuthConfig,
} from "./auth/config.js";
import { ASYNC_ENV, parseAsync, type AsyncConfig } from "./async/config.js";
import { AUTOSCALING_ENV, parseAutoscaling, type AutoscalingConfig } from "./autoscale/config.js";
import {
  LOCAL_DRIVER_ENV,
  parseLocalSandbox,
  parseLocalStore,
  type LocalSandboxConfig,
  type LocalStoreConfig,
} from "./local-driver-config.js";
import { bool, nonEmpty, port, positiveInt } from "./env-schema.js";
export { ROLES, type Role } from "./schemas/common.js";
export { DEFAULT_OIDC_ALGORITHMS, type AuthConfig } from "./auth/config.js";
export type { AsyncConfig } from "./async/config.js";
export type { RegistryConfig } from "./registry-config.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
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

// The auth variables keep their places in the schema, the order its issues are reported in.
const {
  JWT_SECRET,
  EVENTFLOW_DEV_TOKEN_TTL_SECONDS,
  EVENTFLOW_INVOKE_TOKEN_MAX_TTL_SECONDS,
  ...AUTH_OIDC_AND_CLAIMS_ENV
} = AUTH_ENV;

const envSchema = z
  .object({
    ...AUTOSCALING_ENV,
    ...ASYNC_ENV,
    PORT: port.default(8080),
    EVENTFLOW_HOST: nonEmpty.optional(),
    NAMESPACE: nonEmpty.default("default"),
    JWT_SECRET,
    LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
    METRICS_PORT: port.default(9090),
    METRICS_HOST: nonEmpty.optional(),
    EVENTFLOW_DRIVER: z.enum(["local", "kubernetes"]).optional(),
    EVENTFLOW_DATA_DIR: nonEmpty.optional(),
    ...LOCAL_DRIVER_ENV,
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
    EVENTFLOW_LEADER_ELECTION: bool.default(true),
    EVENTFLOW_IMAGE_PULL_SECRETS: secretNames.optional(),
    // EVENTFLOW_REGISTRY_AUTH_FILE, EVENTFLOW_REGISTRY_CA_FILE and DOCKER_CONFIG are paths,
    // read by parseRegistryConfig.
    ...AUTH_OIDC_AND_CLAIMS_ENV,
    EVENTFLOW_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    EVENTFLOW_TRACE_URL_TEMPLATE: z
      .string()
      .trim()
      .refine((v) => v.includes("{traceId}") && /^https?:\/\//.test(v), {
        error: "must be an http(s) URL containing {traceId}",
      })
      .optional(),
    EVENTFLOW_MAX_BODY_BYTES: positiveInt(64 * 1024 * 1024).default(1024 * 1024),
    EVENTFLOW_BODY_TIMEOUT_SECONDS: positiveInt(600).default(30),
    EVENTFLOW_MAX_INVOKE_BODY_BYTES: positiveInt(MAX_BODY_BYTES_CEILING).default(
      DEFAULT_FUNCTION_SPEC_LIMITS.maxBodyBytes ?? MAX_BODY_BYTES_CEILING,
    ),
    EVENTFLOW_DEFAULT_TIMEOUT_SECONDS: positiveInt(3600).default(30),
    EVENTFLOW_MAX_REPLICAS: positiveInt(1000).default(DEFAULT_FUNCTION_SPEC_LIMITS.maxReplicas),
    EVENTFLOW_DEV_TOKEN_TTL_SECONDS,
    EVENTFLOW_INVOKE_TOKEN_MAX_TTL_SECONDS,
    EVENTFLOW_SSE_HEARTBEAT_SECONDS: positiveInt(300).default(15),
    EVENTFLOW_SHUTDOWN_DRAIN_SECONDS: z.coerce.number().min(0).max(300).default(0),
    EVENTFLOW_TENANT_INVOKE_RATE: z.coerce.number().min(0).max(1_000_000).default(0),
    EVENTFLOW_TENANT_INVOKE_BURST: positiveInt(10_000_000).optional(),
    EVENTFLOW_FUNCTION_LOG_RATE: z.coerce.number().min(0).max(1_000_000).default(1000),
    EVENTFLOW_MAX_SECRETS: positiveInt(100_000).default(100),
    KUBERNETES_SERVICE_HOST: z.string().optional(),
    KUBECONFIG: z.string().optional(),
    HOME: z.string().optional(),
    XDG_DATA_HOME: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    checkAuthEnv(env, ctx);
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
  readonly localSandbox: LocalSandboxConfig;
  readonly localStore: LocalStoreConfig;
  readonly auth: AuthConfig;
  readonly limits: LimitsConfig;
  readonly kubernetes: KubernetesConfig;
  readonly registry: RegistryConfig;
  /** Trace export (the standard OTEL_* variables; off unless an exporter or endpoint is set). */
  readonly tracing: TracingConfig;
  /**
   * A "view trace" link for clients (`EVENTFLOW_TRACE_URL_TEMPLATE`, e.g.
   * `http://jaeger:16686/trace/{traceId}`), served by `GET /v1/system/config`.
   */
  readonly traceUrlTemplate?: string;
  readonly async: AsyncConfig;
  /** Request-driven autoscaling and the activator's queue. */
  readonly autoscaling: AutoscalingConfig;
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
  /**
   * Whether the replicas elect the one that reconciles with a Lease in `controllerNamespace`
   * (`EVENTFLOW_LEADER_ELECTION`, default on); off, this controller reconciles by itself.
   */
  readonly leaderElection: boolean;
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
  /** Secrets one tenant may have (`EVENTFLOW_MAX_SECRETS`); a create past it is refused. */
  readonly maxSecretsPerTenant: number;
}

/** Variables whose value must never be printed back in an error. */
const SECRET_KEYS = new Set(["JWT_SECRET", "EVENTFLOW_NATS_PASSWORD", "EVENTFLOW_NATS_TOKEN"]);

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
  const tracingIssues: FieldIssue[] = [];
  const tracing = parseTracingEnv(defined, { serviceName: "eventflow-controller" }, tracingIssues);
  if (!parsed.success || secretIssues.length > 0 || tracingIssues.length > 0) {
    // A secret file that cannot be used is the one problem of the secret, not "JWT_SECRET missing".
    const rest = parsed.success ? [] : toIssues(parsed.error, defined);
    const issues = [
      ...secretIssues,
      ...(secretIssues.length > 0 ? rest.filter((i) => i.path !== "JWT_SECRET") : rest),
      ...tracingIssues,
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
    localSandbox: parseLocalSandbox(e),
    localStore: parseLocalStore(e),
    auth: parseAuth(e, Array.isArray(secretFile) ? undefined : secretFile),
    kubernetes: {
      namespacePerTenant: e.EVENTFLOW_NAMESPACE_PER_TENANT,
      namespacePrefix: e.EVENTFLOW_NAMESPACE_PREFIX,
      controllerNamespace: e.EVENTFLOW_CONTROLLER_NAMESPACE,
      endpointMode: e.EVENTFLOW_KUBERNETES_ENDPOINTS,
      leaderElection: e.EVENTFLOW_LEADER_ELECTION,
      imagePullSecrets: e.EVENTFLOW_IMAGE_PULL_SECRETS ?? [],
    },
    registry,
    tracing,
    ...(e.EVENTFLOW_TRACE_URL_TEMPLATE === undefined
      ? {}
      : { traceUrlTemplate: e.EVENTFLOW_TRACE_URL_TEMPLATE }),
    async: parseAsync(e, e.EVENTFLOW_DATA_DIR ?? join(dataHome, "eventflow")),
    autoscaling: parseAutoscaling(e),
    limits: {
      maxBodyBytes: e.EVENTFLOW_MAX_BODY_BYTES,
      maxInvokeBodyBytes: e.EVENTFLOW_MAX_INVOKE_BODY_BYTES,
      bodyTimeoutSeconds: e.EVENTFLOW_BODY_TIMEOUT_SECONDS,
      defaultTimeoutSeconds: e.EVENTFLOW_DEFAULT_TIMEOUT_SECONDS,
      maxReplicas: e.EVENTFLOW_MAX_REPLICAS,
      sseHeartbeatSeconds: e.EVENTFLOW_SSE_HEARTBEAT_SECONDS,
      shutdownDrainSeconds: e.EVENTFLOW_SHUTDOWN_DRAIN_SECONDS,
      functionLogLinesPerSecond: e.EVENTFLOW_FUNCTION_LOG_RATE,
      maxSecretsPerTenant: e.EVENTFLOW_MAX_SECRETS,
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
