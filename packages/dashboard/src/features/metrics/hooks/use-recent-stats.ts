/** Invocations and errors of the last 5 minutes for each listed function. */
import { useQueries } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";
import { metricsQuery, totals } from "../api/metrics-queries.ts";

/** A record from function name to its recent totals (absent until loaded). */
export function useRecentStats(client: Client, names: readonly string[]) {
  return useQueries({
    queries: names.map((name) => ({ ...metricsQuery(client, name, "5m"), refetchInterval: 5000 })),
    combine: (results) => {
      const stats: Record<string, { invocations: number; errors: number }> = {};
      results.forEach((r, i) => {
        if (r.data) stats[names[i]!] = totals(r.data);
      });
      return stats;
    },
  });
}
