/** The metrics card: a range selector and the charts of the chosen range. */
import type { MetricsRange } from "@eventflow/protocol";
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { Client } from "../../../lib/api-client.ts";
import { RANGES, metricsQuery } from "../api/metrics-queries.ts";
import { MetricsCharts } from "./metrics-charts.tsx";
import { errorText } from "../../../lib/server-errors.ts";

/** The panel. */
export function MetricsPanel({ client, name }: { client: Client; name: string }) {
  const [range, setRange] = useState<MetricsRange>("5m");
  const series = useQuery(metricsQuery(client, name, range));
  const ids = { title: useId(), range: useId() };
  return (
    <section className="card space-y-3" aria-labelledby={ids.title}>
      <div className="flex flex-wrap items-end gap-3">
        <h2 id={ids.title} className="mr-auto text-lg font-semibold">
          Metrics
        </h2>
        <div className="flex flex-col">
          <label htmlFor={ids.range} className="label">
            Range
          </label>
          <select
            id={ids.range}
            className="input w-36"
            value={range}
            onChange={(e) => setRange(e.target.value as MetricsRange)}
          >
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {series.isError && <p role="alert">{errorText(series.error)}</p>}
      {series.data ? (
        <MetricsCharts series={series.data} />
      ) : (
        !series.isError && <p role="status">Loading metrics...</p>
      )}
    </section>
  );
}
