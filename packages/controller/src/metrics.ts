/**
 * The controller's Prometheus metrics on a Registry of its own, with the seed's names. It
 * implements the invoke router's InvocationRecorder and feeds the per-function series.
 */
import type { Middleware } from "koa";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { InvocationRecorder, LogRecorder, StoreRecorder } from "./drivers/driver.js";
import { createFunctionSeries, type FunctionSeries } from "./function-series.js";

/** Seconds buckets for invocation latency: 1 ms to 5 minutes. */
const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

const LINT_FAILING_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** The metrics of one controller app. */
export interface ControllerMetrics {
  readonly registry: Registry;
  readonly recorder: InvocationRecorder;
  /** Log ingestion: write errors and lines dropped over a function's budget. */
  readonly logs: LogRecorder;
  /** The local driver's database backups: attempts by result, time of the last good one. */
  readonly store: StoreRecorder;
  readonly series: FunctionSeries;
  /** Counts API requests by method, route template and status. */
  readonly httpMiddleware: Middleware;
  /** Counts one API request answered outside Koa (the invoke fast path). */
  countHttpRequest(method: string, route: string, status: number): void;
  /** Drops a deleted function's series so labels stay bounded. */
  forgetFunction(tenant: string, name: string): void;
  /** Counts one failed refresh of the OIDC issuer's key set (the last good set served instead). */
  countJwksRefreshError(): void;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Counts the deployed functions when Prometheus scrapes. */
  readonly countFunctions: () => Promise<number>;
  readonly now?: () => number;
  /** Process metrics (CPU, memory, event loop); on by default. */
  readonly processMetrics?: boolean;
}

/** Key of a function in the series store. */
export function functionKey(tenant: string, name: string): string {
  return `${tenant}/${name}`;
}

/** Creates the registry and every metric. */
export function createMetrics(options: MetricsOptions): ControllerMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges with `_total`, which promtool's lint rejects.
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  const series = createFunctionSeries(options.now);
  const labels = ["tenant", "function"] as const;

  const invocations = new Counter({
    name: "eventflow_function_invocations_total",
    help: "Function invocations through the controller by tenant, function and HTTP status code.",
    labelNames: [...labels, "code"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "eventflow_function_duration_seconds",
    help: "Function invocation duration as seen by the controller, in seconds.",
    labelNames: labels,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const coldStarts = new Counter({
    name: "eventflow_function_cold_starts_total",
    help: "Invocations that had to wait for a replica to start (scale from zero or first start).",
    labelNames: labels,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "eventflow_function_invocations_in_flight",
    help: "Invocations currently being proxied to a function.",
    labelNames: labels,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "eventflow_invocations_rate_limited_total",
    help: "Invokes refused with 429 because their tenant was over EVENTFLOW_TENANT_INVOKE_RATE.",
    labelNames: ["tenant"],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: "eventflow_http_requests_total",
    help: "Controller API requests by method, route template and status code.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const logWriteErrors = new Counter({
    name: "eventflow_log_write_errors_total",
    help: "Batches of function log lines the controller could not store (the lines are lost).",
    registers: [registry],
  });
  const storeBackups = new Counter({
    name: "eventflow_store_backups_total",
    help: "Backups of the local driver's database by result (ok, error); a failed one keeps nothing.",
    labelNames: ["result"],
    registers: [registry],
  });
  const storeBackupLast = new Gauge({
    name: "eventflow_store_backup_last_success_timestamp_seconds",
    help: "Unix time of the local driver's last complete database backup (0 before the first).",
    registers: [registry],
  });
  const jwksRefreshErrors = new Counter({
    name: "eventflow_oidc_jwks_refresh_errors_total",
    help: "Failed refreshes of the OIDC issuer's key set; the last good key set was used instead.",
    registers: [registry],
  });
  const logLinesDropped = new Counter({
    name: "eventflow_log_lines_dropped_total",
    help: "Function log lines dropped because the function was over EVENTFLOW_FUNCTION_LOG_RATE.",
    labelNames: labels,
    registers: [registry],
  });
  new Gauge({
    name: "eventflow_active_functions",
    help: "Functions deployed on this controller (every tenant).",
    registers: [registry],
    async collect() {
      this.set(await options.countFunctions());
    },
  });

  // Status codes seen per function, so a deleted function's series can all be removed.
  const codesSeen = new Map<string, Set<string>>();
  const recorder: InvocationRecorder = {
    invocation(fn, statusCode, seconds, coldStart) {
      const l = { tenant: fn.tenant, function: fn.name };
      const code = String(statusCode);
      invocations.inc({ ...l, code });
      const key = functionKey(fn.tenant, fn.name);
      let codes = codesSeen.get(key);
      if (codes === undefined) codesSeen.set(key, (codes = new Set()));
      codes.add(code);
      duration.observe(l, seconds);
      if (coldStart) coldStarts.inc(l);
      series.record(key, statusCode, seconds);
    },
    inFlight(fn, delta) {
      inFlight.inc({ tenant: fn.tenant, function: fn.name }, delta);
    },
    rateLimited(fn) {
      rateLimited.inc({ tenant: fn.tenant });
    },
  };

  const httpMiddleware: Middleware = async (ctx, next) => {
    try {
      await next();
    } finally {
      const route =
        typeof ctx._matchedRoute === "string" ? templateOf(ctx._matchedRoute) : "unmatched";
      httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
    }
  };

  const logs: LogRecorder = {
    writeError: () => logWriteErrors.inc(),
    linesDropped: (fn, count) =>
      logLinesDropped.inc({ tenant: fn.tenant, function: fn.name }, count),
  };

  const store: StoreRecorder = {
    backup(result, at) {
      storeBackups.inc({ result });
      if (result === "ok") storeBackupLast.set(at.getTime() / 1000);
    },
  };

  return {
    registry,
    recorder,
    logs,
    store,
    series,
    httpMiddleware,
    countHttpRequest(method, route, status) {
      httpRequests.inc({ method, route, status: String(status) });
    },
    countJwksRefreshError: () => jwksRefreshErrors.inc(),
    forgetFunction(tenant, name) {
      const l = { tenant, function: name };
      duration.remove(l);
      coldStarts.remove(l);
      inFlight.remove(l);
      logLinesDropped.remove(l);
      const key = functionKey(tenant, name);
      for (const code of codesSeen.get(key) ?? []) invocations.remove({ ...l, code });
      codesSeen.delete(key);
      series.forget(key);
    },
  };
}

const templates = new Map<string, string>();
/** {@link toTemplate}, memoised: route paths are few and fixed. */
function templateOf(routerPath: string): string {
  let template = templates.get(routerPath);
  if (template === undefined) templates.set(routerPath, (template = toTemplate(routerPath)));
  return template;
}

/** `/v1/functions/:name\:invoke` -> `/v1/functions/{name}:invoke` (the OpenAPI form). */
export function toTemplate(routerPath: string): string {
  return routerPath.replace(/(?<!\\):([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}").replace(/\\:/g, ":");
}
