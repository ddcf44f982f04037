/** Query options of the metrics series; short ranges refresh often so charts move live. */
import type { MetricsPoint, MetricsRange, MetricsSeries } from "@eventflow/protocol";
import { queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** Ranges the controller keeps, with labels. */
export const RANGES: { value: MetricsRange; label: string }[] = [
  { value: "5m", label: "5 minutes" },
  { value: "15m", label: "15 minutes" },
  { value: "1h", label: "1 hour" },
  { value: "6h", label: "6 hours" },
  { value: "24h", label: "24 hours" },
];

const REFRESH_MS: Record<MetricsRange, number> = {
  "5m": 2000,
  "15m": 5000,
  "1h": 10_000,
  "6h": 60_000,
  "24h": 120_000,
};

/** `GET /v1/functions/{name}/metrics?range=`. */
export function metricsQuery(client: Client, name: string, range: MetricsRange) {
  return queryOptions({
    queryKey: ["metrics", name, range],
    queryFn: ({ signal }) => client.metrics(name, { range, signal }),
    refetchInterval: REFRESH_MS[range],
    placeholderData: (previous) => previous,
  });
}

/** Invocations, 5xx (`errors`) and 4xx (`clientErrors`) answers summed over a series. */
export function totals(series: MetricsSeries | undefined): {
  invocations: number;
  errors: number;
  clientErrors: number;
} {
  let invocations = 0;
  let errors = 0;
  let clientErrors = 0;
  for (const p of series?.points ?? []) {
    invocations += p.invocations;
    errors += p.errors;
    clientErrors += p.client_errors;
  }
  return { invocations, errors, clientErrors };
}

/**
 * The points whose step has ended by `now`. The controller's last step is still filling:
 * drawn, it would make every line plunge at the right edge.
 */
export function completeSteps(series: MetricsSeries, now: number): MetricsSeries["points"] {
  return series.points.filter((p) => Date.parse(p.timestamp) + series.step_seconds * 1000 <= now);
}

/**
 * The tenant's series: the functions' series of one range added step by step (matched by
 * timestamp, so answers fetched a step apart still line up); latency is not additive and is
 * left out (null); replicas add up where any function reported them. Undefined for no series.
 */
export function sumSeries(list: readonly MetricsSeries[]): MetricsSeries | undefined {
  const first = list[0];
  if (first === undefined) return undefined;
  type Step = Omit<MetricsPoint, "timestamp" | "p50_ms" | "p95_ms">;
  const steps = new Map<string, Step>();
  const add = (a: number | null, b: number | null) => (b === null ? a : (a ?? 0) + b);
  for (const series of list)
    for (const p of series.points) {
      const step = steps.get(p.timestamp) ?? {
        invocations: 0,
        errors: 0,
        client_errors: 0,
        cold_starts: 0,
        replicas_desired: null,
        replicas_ready: null,
      };
      steps.set(p.timestamp, {
        invocations: step.invocations + p.invocations,
        errors: step.errors + p.errors,
        client_errors: step.client_errors + p.client_errors,
        cold_starts: step.cold_starts + p.cold_starts,
        replicas_desired: add(step.replicas_desired, p.replicas_desired),
        replicas_ready: add(step.replicas_ready, p.replicas_ready),
      });
    }
  const points = [...steps.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(-first.points.length)
    .map(([timestamp, step]) => ({ timestamp, ...step, p50_ms: null, p95_ms: null }));
  return { ...first, name: "", points };
}
