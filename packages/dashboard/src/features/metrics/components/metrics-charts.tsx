/** Charts of a metrics series: invocations and errors per step, and p50/p95 latency. */
import type { MetricsSeries } from "@eventflow/protocol";
import type { ReactElement } from "react";
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatClock, formatMs } from "../../../lib/format.ts";
import { totals } from "../api/metrics-queries.ts";

function Frame({
  width,
  height,
  children,
}: {
  width: number | undefined;
  height: number;
  children: ReactElement;
}) {
  return width === undefined ? (
    <ResponsiveContainer width="100%" height={height}>
      {children}
    </ResponsiveContainer>
  ) : (
    <div style={{ width, height }}>{children}</div>
  );
}

/** The two charts; `width` fixes their size (tests), otherwise they fill their container. */
export function MetricsCharts({
  series,
  width,
  height = 200,
}: {
  series: MetricsSeries;
  width?: number;
  height?: number;
}) {
  const data = series.points.map((p) => ({ ...p, time: formatClock(p.timestamp) }));
  const sum = totals(series);
  const latest = series.points.findLast((p) => p.p95_ms !== null);
  const size = width === undefined ? {} : { width, height };
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <figure
        data-testid="chart-invocations"
        data-invocations={sum.invocations}
        data-errors={sum.errors}
      >
        <figcaption className="mb-1 text-sm font-medium">
          Invocations and errors: {sum.invocations} invocations, {sum.errors} errors
        </figcaption>
        <Frame width={width} height={height}>
          <LineChart data={data} {...size} accessibilityLayer>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
            <XAxis dataKey="time" tick={{ fontSize: 11, fill: "currentColor" }} minTickGap={24} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "currentColor" }} width={36} />
            <Tooltip />
            <Legend />
            <Line
              type="monotone"
              dataKey="invocations"
              name="Invocations"
              stroke="#0284c7"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              type="monotone"
              dataKey="errors"
              name="Errors"
              stroke="#dc2626"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </Frame>
      </figure>
      <figure data-testid="chart-latency">
        <figcaption className="mb-1 text-sm font-medium">
          Latency p50 and p95
          {latest ? `: latest p95 ${formatMs(latest.p95_ms)}` : ": no invocations yet"}
        </figcaption>
        <Frame width={width} height={height}>
          <LineChart data={data} {...size} accessibilityLayer>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
            <XAxis dataKey="time" tick={{ fontSize: 11, fill: "currentColor" }} minTickGap={24} />
            <YAxis unit=" ms" tick={{ fontSize: 11, fill: "currentColor" }} width={68} />
            <Tooltip />
            <Legend />
            <Line
              type="monotone"
              dataKey="p50_ms"
              name="p50"
              stroke="#16a34a"
              dot={{ r: 2 }}
              connectNulls
              isAnimationActive={false}
            />
            <Line
              type="monotone"
              dataKey="p95_ms"
              name="p95"
              stroke="#9333ea"
              dot={{ r: 2 }}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </Frame>
      </figure>
    </div>
  );
}
