import { EventFlowError, parseTracingEnv, type TracingConfig } from "@eventflow/protocol";

/** The runtime's settings, read once from the environment at start-up. */
export interface RuntimeConfig {
  /** TCP port to listen on (PORT, default 8080; 0 picks a free port). */
  readonly port: number;
  /** Interface to bind (EVENTFLOW_HOST); undefined means all interfaces. */
  readonly host: string | undefined;
  /** Function name in logs and context (EVENTFLOW_FUNCTION_NAME). */
  readonly functionName: string;
  /** Largest accepted request body in bytes (EVENTFLOW_MAX_BODY_BYTES, default 6 MiB). */
  readonly maxBodyBytes: number;
  /** Invocation timeout (EVENTFLOW_TIMEOUT_MS, default 30000). */
  readonly timeoutMs: number;
  /** Concurrent invocations before 429 (EVENTFLOW_MAX_CONCURRENCY, default 256; 0 = no limit). */
  readonly maxConcurrency: number;
  /** Time allowed to receive request headers (EVENTFLOW_HEADERS_TIMEOUT_MS, default 10000). */
  readonly headersTimeoutMs: number;
  /** Idle keep-alive timeout (EVENTFLOW_KEEP_ALIVE_TIMEOUT_MS, default 65000). */
  readonly keepAliveTimeoutMs: number;
  /** After SIGTERM, keep accepting while load balancers notice (EVENTFLOW_SHUTDOWN_DELAY_MS, default 2000). */
  readonly shutdownDelayMs: number;
  /** After SIGTERM, the most time in-flight requests and `shutdown` get (EVENTFLOW_SHUTDOWN_GRACE_MS, default 25000). */
  readonly shutdownGraceMs: number;
  /** Longest `init` may take (EVENTFLOW_INIT_TIMEOUT_MS, default 60000). */
  readonly initTimeoutMs: number;
  /** Minimum log level (EVENTFLOW_LOG_LEVEL or LOG_LEVEL: debug, info, warn, error; default info). */
  readonly logLevel: LogLevel;
  /** Serve /_eventflow/metrics and record invocation metrics (EVENTFLOW_METRICS, default true). */
  readonly metrics: boolean;
  /** Tag console.* output with the request id via AsyncLocalStorage (EVENTFLOW_LOG_REQUEST_CONTEXT, default true). */
  readonly logRequestContext: boolean;
  /**
   * The key every request but the health probes must carry in `x-eventflow-replica-key`
   * (EVENTFLOW_REPLICA_KEY; set by the local driver, so that only the controller calls the
   * replica). Unset: no check (on Kubernetes, NetworkPolicy decides who reaches a pod).
   */
  readonly replicaKey: string | undefined;
  /**
   * Trace export (the standard OTEL_* variables; off unless OTEL_TRACES_EXPORTER or an OTLP
   * endpoint is set). Off, the OpenTelemetry SDK is never loaded. Service name default: the
   * function's name.
   */
  readonly tracing: TracingConfig;
}

/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the runtime's environment variables. Every problem is reported at once in one
 * CONFIG_INVALID error (its details list each variable), so a bad deployment fails fast.
 */
export function parseRuntimeConfig(
  env: Env,
  defaults: { functionName?: string } = {},
): RuntimeConfig {
  const problems: Array<{ path: string; message: string }> = [];

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push({
        path: name,
        message: `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      });
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === "") return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    problems.push({
      path: name,
      message: `must be true or false, got ${JSON.stringify(env[name])}`,
    });
    return fallback;
  };

  const levelName = env.EVENTFLOW_LOG_LEVEL !== undefined ? "EVENTFLOW_LOG_LEVEL" : "LOG_LEVEL";
  const rawLevel = (env[levelName] ?? "info").trim().toLowerCase();
  let logLevel: LogLevel = "info";
  if ((LEVELS as readonly string[]).includes(rawLevel)) logLevel = rawLevel as LogLevel;
  else
    problems.push({
      path: levelName,
      message: `must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(env[levelName])}`,
    });

  const functionName = env.EVENTFLOW_FUNCTION_NAME?.trim() || defaults.functionName || "function";
  const host = env.EVENTFLOW_HOST?.trim() || undefined;

  const config: RuntimeConfig = {
    port: int("PORT", 8080, 0, 65535),
    host,
    functionName,
    maxBodyBytes: int("EVENTFLOW_MAX_BODY_BYTES", 6 * 1024 * 1024, 0, 2 ** 31 - 1),
    timeoutMs: int("EVENTFLOW_TIMEOUT_MS", 30_000, 1, 24 * 3600 * 1000),
    maxConcurrency: int("EVENTFLOW_MAX_CONCURRENCY", 256, 0, 1_000_000),
    headersTimeoutMs: int("EVENTFLOW_HEADERS_TIMEOUT_MS", 10_000, 1, 3600 * 1000),
    keepAliveTimeoutMs: int("EVENTFLOW_KEEP_ALIVE_TIMEOUT_MS", 65_000, 0, 3600 * 1000),
    shutdownDelayMs: int("EVENTFLOW_SHUTDOWN_DELAY_MS", 2_000, 0, 3600 * 1000),
    shutdownGraceMs: int("EVENTFLOW_SHUTDOWN_GRACE_MS", 25_000, 0, 24 * 3600 * 1000),
    initTimeoutMs: int("EVENTFLOW_INIT_TIMEOUT_MS", 60_000, 1, 24 * 3600 * 1000),
    logLevel,
    metrics: bool("EVENTFLOW_METRICS", true),
    logRequestContext: bool("EVENTFLOW_LOG_REQUEST_CONTEXT", true),
    replicaKey: env.EVENTFLOW_REPLICA_KEY || undefined,
    tracing: parseTracingEnv(env, { serviceName: functionName }, problems),
  };
  if (problems.length > 0) {
    throw new EventFlowError(
      "CONFIG_INVALID",
      `invalid runtime configuration: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`,
      { details: problems },
    );
  }
  return Object.freeze(config);
}
