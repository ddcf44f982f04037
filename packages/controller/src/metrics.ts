/**
 * The controller's Prometheus metrics on a Registry of its own, with the seed's names. It
 * implements the invoke router's InvocationRecorder and feeds the per-function series.
 */
import type { Middleware } from "koa";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { activeTraceFields } from "./tracing/active.js";
import type { InvocationRecorder, LogRecorder, StoreRecorder } from "./drivers/driver.js";
import { createFunctionSeries, type FunctionSeries } from "./function-series.js";
import { createScalingMetrics, type ScalingMetrics } from "./autoscale/metrics.js";
import { createDurationHistogram, type DurationSeries } from "./duration-histogram.js";

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
  /** Removes one revision's invocation series (it stopped serving: only live revisions keep them). */
  forgetRevision(tenant: string, name: string, revision: string): void;
  /** Counts one failed refresh of the OIDC issuer's key set (the last good set served instead). */
  countJwksRefreshError(): void;
  /** Asynchronous invocations: attempts by outcome, dead letters, and the queue's depth. */
  readonly async: AsyncRecorder;
  /** Cold starts, desired replicas, held invocations, panic mode. */
  readonly scaling: ScalingMetrics;
}

/** What the async worker records. */
export interface AsyncRecorder {
  /** One attempt ended: `succeeded`, `failed` (not retried), `retried` or `dead`. */
  attempt(outcome: "succeeded" | "failed" | "retried" | "dead"): void;
  /** Reads the queue's depth when Prometheus scrapes (the queue is built after the metrics). */
  watchDepth(depth: () => Promise<{ pending: number; oldestQueuedAt?: Date }>): void;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Counts the deployed functions when Prometheus scrapes. */
  readonly countFunctions: () => Promise<number>;
  readonly now?: () => number;
  /** Process metrics (CPU, memory, event loop); on by default. */
  readonly processMetrics?: boolean;
  /**
   * Tracing is on: the registry speaks OpenMetrics and each duration observation made inside a
   * span carries its trace and span id as an exemplar.
   */
  readonly exemplars?: boolean;
}

/** Key of a function in the series store. */
export function functionKey(tenant: string, name: string): string {
  return `${tenant}/${name}`;
}

/** The label set of a function's series. */
interface FunctionLabels {
  readonly tenant: string;
  readonly function: string;
}

/**
 * One revision's series of a function: its label set, its duration histogram, and one count per
 * status code it answered.
 */
interface RevisionSeries {
  readonly labels: FunctionLabels & { readonly revision: string };
  readonly duration: DurationSeries;
  readonly byCode: Map<
    number,
    PendingCount<FunctionLabels & { readonly revision: string; readonly code: string }>
  >;
}

/**
 * A counter series counted on the hot path in a plain number (`n`) and handed to prom-client
 * when `/metrics` is scraped (`n - pushed`): no label-set hash per request.
 */
interface PendingCount<L> {
  readonly labels: L;
  n: number;
  pushed: number;
}

/** Adds what each series counted since the last scrape to `counter`. */
function pushCounts<L extends object>(
  counter: Counter<string>,
  counts: Iterable<PendingCount<L>>,
): void {
  for (const c of counts) {
    if (c.n === c.pushed) continue;
    counter.inc(c.labels as Partial<Record<string, string>>, c.n - c.pushed);
    c.pushed = c.n;
  }
}

/** The label set of `eventflow_http_requests_total`. */
interface HttpLabels {
  readonly method: string;
  readonly route: string;
  readonly status: string;
}

/** Creates the registry and every metric. */
export function createMetrics(options: MetricsOptions): ControllerMetrics {
  const exemplars = options.exemplars === true;
  const registry = new Registry();
  // Exemplars exist only in OpenMetrics. (prom-client types the content type as fixed per
  // registry; the class switches at run time.)
  if (exemplars)
    (registry as unknown as Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>).setContentType(
      Registry.OPENMETRICS_CONTENT_TYPE,
    );
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges with `_total`, which promtool's lint rejects.
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  const series = createFunctionSeries(options.now);
  const labels = ["tenant", "function"] as const;

  const invocations = new Counter({
    name: "eventflow_function_invocations_total",
    help: "Function invocations through the controller by tenant, function, revision and HTTP status code.",
    labelNames: [...labels, "revision", "code"],
    registers: [registry],
    collect() {
      for (const revisions of seriesOf.values())
        for (const revision of revisions.values()) pushCounts(this, revision.byCode.values());
    },
  });
  const duration = createDurationHistogram({
    name: "eventflow_function_duration_seconds",
    help: "Function invocation duration as seen by the controller by revision, in seconds.",
    buckets: DURATION_BUCKETS,
    registry,
    exemplars,
    *live() {
      for (const revisions of seriesOf.values())
        for (const revision of revisions.values()) yield revision.duration;
    },
  });
  const coldStarts = new Counter({
    name: "eventflow_function_cold_starts_total",
    help: "Invocations that had to wait for a replica to start (scale from zero or first start).",
    labelNames: labels,
    registers: [registry],
  });
  // Counted in a plain map per invoke and handed to the gauge when scraped: the invoke path
  // pays a map lookup instead of two label-set hashes per request.
  const inFlightNow = new Map<string, { readonly labels: FunctionLabels; n: number }>();
  const inFlight = new Gauge({
    name: "eventflow_function_invocations_in_flight",
    help: "Invocations currently being proxied to a function.",
    labelNames: labels,
    registers: [registry],
    collect() {
      for (const { labels: l, n } of inFlightNow.values()) this.set(l, n);
    },
  });
  const rateLimited = new Counter({
    name: "eventflow_invocations_rate_limited_total",
    help: "Invokes refused with 429 because their tenant was over EVENTFLOW_TENANT_INVOKE_RATE.",
    labelNames: ["tenant"],
    registers: [registry],
  });
  new Counter({
    name: "eventflow_http_requests_total",
    help: "Controller API requests by method, route template and status code.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
    collect() {
      for (const byRoute of httpCounts.values())
        for (const byStatus of byRoute.values()) pushCounts(this, byStatus.values());
    },
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

  const asyncAttempts = new Counter({
    name: "eventflow_async_attempts_total",
    help: "Attempts of asynchronous invocations by outcome (succeeded, failed, retried, dead).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: "eventflow_async_dead_letters_total",
    help: "Asynchronous invocations that went dead after their last attempt.",
    registers: [registry],
  });
  let depth: (() => Promise<{ pending: number; oldestQueuedAt?: Date }>) | undefined;
  let lastDepth: Promise<{ pending: number; oldestQueuedAt?: Date } | undefined> | undefined;
  // One read of the queue per scrape serves both gauges.
  const readDepth = () =>
    (lastDepth ??= (depth?.() ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .finally(() => setTimeout(() => (lastDepth = undefined), 100)));
  new Gauge({
    name: "eventflow_async_queue_depth",
    help: "Asynchronous invocations waiting for an attempt or in one.",
    registers: [registry],
    async collect() {
      const d = await readDepth();
      if (d !== undefined) this.set(d.pending);
    },
  });
  new Gauge({
    name: "eventflow_async_oldest_age_seconds",
    help: "Age of the oldest asynchronous invocation still waiting or running (0 when none).",
    registers: [registry],
    async collect() {
      const d = await readDepth();
      if (d === undefined) return;
      const at = d.oldestQueuedAt?.getTime();
      this.set(at === undefined ? 0 : Math.max(0, ((options.now ?? Date.now)() - at) / 1000));
    },
  });

  const scaling = createScalingMetrics(registry);

  // The series of each function's revisions (their label sets, made once, and the status codes
  // they answered), so the invoke path builds no label object and the series of a deleted
  // function (or of a revision that stopped serving) can all be removed.
  const seriesOf = new Map<string, Map<string, RevisionSeries>>();
  // Its duration series goes with it (the histogram shows the series listed in `seriesOf`).
  const forgetSeries = (revision: RevisionSeries) => {
    for (const c of revision.byCode.values()) invocations.remove(c.labels);
  };
  const revisionSeries = (fn: { tenant: string; name: string }, key: string, revision: string) => {
    let revisions = seriesOf.get(key);
    if (revisions === undefined) seriesOf.set(key, (revisions = new Map()));
    let found = revisions.get(revision);
    if (found === undefined) {
      const l = { tenant: fn.tenant, function: fn.name, revision };
      revisions.set(
        revision,
        (found = { labels: l, duration: duration.series(l), byCode: new Map() }),
      );
    }
    return found;
  };
  const recorder: InvocationRecorder = {
    invocation(fn, statusCode, seconds, coldStart, revision = "") {
      const key = functionKey(fn.tenant, fn.name);
      const s = revisionSeries(fn, key, revision);
      const l = s.labels;
      let withCode = s.byCode.get(statusCode);
      if (withCode === undefined) {
        withCode = { labels: { ...l, code: String(statusCode) }, n: 0, pushed: 0 };
        s.byCode.set(statusCode, withCode);
      }
      withCode.n++;
      if (!exemplars) duration.observe(s.duration, seconds);
      else {
        const ids = activeTraceFields();
        duration.observe(
          s.duration,
          seconds,
          ids.trace_id === undefined ? undefined : (ids as Record<string, string>),
        );
      }
      if (coldStart) coldStarts.inc({ tenant: fn.tenant, function: fn.name });
      series.record(key, statusCode, seconds, coldStart);
    },
    inFlight(fn, delta) {
      const key = functionKey(fn.tenant, fn.name);
      const entry = inFlightNow.get(key);
      if (entry !== undefined) entry.n += delta;
      // An invoke that ends after its function was deleted (and forgotten) leaves no series.
      else if (delta > 0)
        inFlightNow.set(key, { labels: { tenant: fn.tenant, function: fn.name }, n: delta });
    },
    rateLimited(fn) {
      rateLimited.inc({ tenant: fn.tenant });
    },
  };

  // Every API request (the Koa app's and the invoke fast path's) is counted in its series' own
  // number (its few label sets made once); the counter gets the sums when scraped.
  const httpCounts = new Map<string, Map<string, Map<number, PendingCount<HttpLabels>>>>();
  const httpCount = (method: string, route: string, status: number) => {
    let byRoute = httpCounts.get(method);
    if (byRoute === undefined) httpCounts.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (byStatus === undefined) byRoute.set(route, (byStatus = new Map()));
    let c = byStatus.get(status);
    if (c === undefined) {
      c = { labels: { method, route, status: String(status) }, n: 0, pushed: 0 };
      byStatus.set(status, c);
    }
    return c;
  };

  const httpMiddleware: Middleware = async (ctx, next) => {
    try {
      await next();
    } finally {
      const route =
        typeof ctx._matchedRoute === "string" ? templateOf(ctx._matchedRoute) : "unmatched";
      // Bounded like the fast path's: Node parses only known methods, routes are templates.
      httpCount(ctx.method, route, ctx.status).n++;
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
      httpCount(method, route, status).n++;
    },
    countJwksRefreshError: () => jwksRefreshErrors.inc(),
    async: {
      attempt(outcome) {
        asyncAttempts.inc({ outcome });
        if (outcome === "dead") deadLetters.inc();
      },
      watchDepth(read) {
        depth = read;
      },
    },
    scaling,
    forgetFunction(tenant, name) {
      scaling.forget(tenant, name);
      const l = { tenant, function: name };
      coldStarts.remove(l);
      inFlight.remove(l);
      logLinesDropped.remove(l);
      const key = functionKey(tenant, name);
      inFlightNow.delete(key);
      for (const revision of seriesOf.get(key)?.values() ?? []) forgetSeries(revision);
      seriesOf.delete(key);
      series.forget(key);
    },
    forgetRevision(tenant, name, revision) {
      const revisions = seriesOf.get(functionKey(tenant, name));
      const found = revisions?.get(revision);
      if (found === undefined) return;
      forgetSeries(found);
      revisions!.delete(revision);
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
