/** `createClient`: the programmatic EventFlow API client (functions, invoke, logs, metrics, tokens, secrets). */
import type {
  ApiRole,
  AuthConfig,
  DevToken,
  FunctionSpecLimits,
  InvokeToken,
  MetricsRange,
  MetricsSeries,
} from "@eventflow/protocol";
import {
  createFunctionsApi,
  functionPath,
  type CallOptions,
  type FunctionsApi,
} from "./functions.js";
import {
  invoke,
  invokeStream,
  type InvokeOptions,
  type InvokeResult,
  type InvokeStreamResult,
} from "./invoke.js";
import { createInvocationsApi, type InvocationsApi } from "./invocations.js";
import { streamLogs, type LogEntry, type LogsOptions } from "./logs.js";
import { createSecretsApi, type SecretsApi } from "./secrets.js";
import { createTransport, type ClientOptions } from "./transport.js";

/** Options of `client.tokens.create`. */
export interface InvokeTokenOptions extends CallOptions {
  /** Lifetime in seconds (60..the controller's maximum; default 3600). */
  readonly ttlSeconds?: number | undefined;
}

/** Options of `client.tokens.dev`. */
export interface DevTokenOptions {
  readonly tenant?: string | undefined;
  readonly role?: ApiRole | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Tokens: scoped invoke tokens, dev tokens and how to sign in. */
export interface TokensApi {
  /** `POST /v1/tokens`: a token that may only invoke `fn`, until it expires. */
  create(fn: string, options?: InvokeTokenOptions): Promise<InvokeToken>;
  /** `POST /auth/token`: a dev token (only on controllers with EVENTFLOW_DEV_AUTH=true). */
  dev(options?: DevTokenOptions): Promise<DevToken>;
  /** `GET /auth/config`: whether dev tokens exist and which OIDC issuer is trusted. */
  authConfig(options?: { signal?: AbortSignal }): Promise<AuthConfig>;
}

/** Options of `client.metrics`. */
export interface MetricsOptions extends CallOptions {
  /** `5m`, `15m`, `1h` (default), `6h` or `24h`. */
  readonly range?: MetricsRange | undefined;
}

/** The EventFlow API client. */
export interface EventFlowClient {
  /** The controller's base URL. */
  readonly url: string;
  readonly functions: FunctionsApi;
  /** Invokes a function and reads its whole answer (the function's 4xx/5xx are results). */
  invoke(name: string, options?: InvokeOptions): Promise<InvokeResult>;
  /** Asynchronous invocations: queue (`Prefer: respond-async`), read, wait, dead letters. */
  readonly invocations: InvocationsApi;
  /** Invokes a function; the answer's body is a stream. */
  invokeStream(name: string, options?: InvokeOptions): Promise<InvokeStreamResult>;
  /** A function's log lines; resumes across dropped connections without gaps or repeats. */
  logs(name: string, options?: LogsOptions): AsyncGenerator<LogEntry, void, undefined>;
  /** `GET /v1/functions/{name}/metrics`: invocations, errors and latency per step. */
  metrics(name: string, options?: MetricsOptions): Promise<MetricsSeries>;
  readonly tokens: TokensApi;
  /** Secrets: names, keys and the functions using them; values are write-only. */
  readonly secrets: SecretsApi;
  /** `GET /v1/limits`: the limits this controller checks function specs against. */
  limits(options?: { signal?: AbortSignal }): Promise<FunctionSpecLimits>;
  /** `GET /readyz`: whether the controller and its driver are up, and its version. */
  ready(options?: {
    signal?: AbortSignal;
  }): Promise<{ status: string; driver?: string; version?: string }>;
}

/**
 * Creates a client for one controller. Calls reject with `EventFlowError` (the server's stable
 * code, status and request id; CLIENT_UNREACHABLE, CLIENT_TIMEOUT, CLIENT_BAD_RESPONSE for
 * transport failures), or with the caller's AbortSignal reason.
 *
 * @example
 * const client = createClient({ url: "http://127.0.0.1:8080", token });
 * await client.functions.create({ name: "hello", image: "127.0.0.1:5000/hello:1" });
 * await client.functions.waitUntilReady("hello");
 * const answer = await client.invoke("hello", { json: { name: "you" } });
 */
export function createClient(options: ClientOptions): EventFlowClient {
  const transport = createTransport(options);
  return {
    url: transport.baseUrl,
    functions: createFunctionsApi(transport),
    invoke: (name, o) => invoke(transport, name, o),
    invokeStream: (name, o) => invokeStream(transport, name, o),
    invocations: createInvocationsApi(transport),
    logs: (name, o) => streamLogs(transport, name, o),
    metrics: async (name, o = {}) =>
      transport.json({
        method: "GET",
        path: functionPath(name, "/metrics"),
        query: { range: o.range, tenant: o.tenant },
        idempotent: true,
        signal: o.signal,
      }),
    tokens: {
      create: (fn, o = {}) =>
        transport.json({
          method: "POST",
          path: "/v1/tokens",
          json: {
            function: fn,
            ...(o.ttlSeconds === undefined ? {} : { ttlSeconds: o.ttlSeconds }),
            ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
          },
          idempotent: false,
          signal: o.signal,
        }),
      dev: (o = {}) =>
        transport.json({
          method: "POST",
          path: "/auth/token",
          json: {
            ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
            ...(o.role === undefined ? {} : { role: o.role }),
          },
          idempotent: false,
          anonymous: true,
          signal: o.signal,
        }),
      authConfig: (o = {}) =>
        transport.json({
          method: "GET",
          path: "/auth/config",
          idempotent: true,
          anonymous: true,
          signal: o.signal,
        }),
    },
    secrets: createSecretsApi(transport),
    limits: (o = {}) =>
      transport.json({ method: "GET", path: "/v1/limits", idempotent: true, signal: o.signal }),
    ready: (o = {}) =>
      transport.json({
        method: "GET",
        path: "/readyz",
        idempotent: false,
        anonymous: true,
        signal: o.signal,
      }),
  };
}
