/** The metrics card: a range selector and the charts of the chosen range. */
import type { MetricsRange } from "@eventflow/protocol";
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { Client } from "../../../lib/api-client.ts";
import { RANGES, metricsQuery } from "../api/metrics-queries.ts";
import { MetricsCharts } from "./metrics-charts.tsx";
import { SelectField } from "../../../lib/form-field.tsx";
import { errorText } from "../../../lib/server-errors.ts";

/** The panel. */
export function MetricsPanel({ client, name }: { client: Client; name: string }) {
  const [range, setRange] = useState<MetricsRange>("5m");
  const series = useQuery(metricsQuery(client, name, range));
  const titleId = useId();
  return (
    <section className="card space-y-3" aria-labelledby={titleId}>
      <div className="flex flex-wrap items-end gap-3">
        <h2 id={titleId} className="mr-auto text-lg font-semibold">
          Metrics
        </h2>
        <SelectField
          label="Range"
          className="w-36"
          value={range}
          onChange={setRange}
          options={RANGES}
        />
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
