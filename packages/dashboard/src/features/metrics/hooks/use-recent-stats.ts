/** The last 5 minutes of every listed function: totals per function and the tenant's series. */
import type { MetricsSeries } from "@eventflow/protocol";
import { useQueries } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";
import { metricsQuery, sumSeries, totals } from "../api/metrics-queries.ts";

/** Totals by function name (absent until loaded) and the tenant's summed series. */
export interface RecentMetrics {
  readonly byName: Record<string, ReturnType<typeof totals>>;
  readonly tenant: MetricsSeries | undefined;
}

/** One 5-minute query per function (shared with the detail page's cache). */
export function useRecentStats(client: Client, names: readonly string[]): RecentMetrics {
  return useQueries({
    queries: names.map((name) => ({ ...metricsQuery(client, name, "5m"), refetchInterval: 5000 })),
    combine: (results) => {
      const byName: RecentMetrics["byName"] = {};
      results.forEach((r, i) => {
        if (r.data) byName[names[i]!] = totals(r.data);
      });
      return { byName, tenant: sumSeries(results.flatMap((r) => (r.data ? [r.data] : []))) };
    },
  });
}
