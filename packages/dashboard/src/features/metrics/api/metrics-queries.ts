/** Query options of the metrics series; short ranges refresh often so charts move live. */
import type { MetricsRange, MetricsSeries } from "@eventflow/protocol";
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

/** Invocations and errors summed over a series. */
export function totals(series: MetricsSeries | undefined): { invocations: number; errors: number } {
  let invocations = 0;
  let errors = 0;
  for (const p of series?.points ?? []) {
    invocations += p.invocations;
    errors += p.errors;
  }
  return { invocations, errors };
}
