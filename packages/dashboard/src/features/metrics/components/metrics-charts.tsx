/**
 * Charts of a metrics series: invocations per step split by answer (2xx/3xx, 4xx, 5xx, stacked
 * so none hides another), p50/p95 latency, replicas (desired and ready, as steps: a count holds
 * until it changes) and cold starts. Only steps that have ended are drawn; straight segments, so
 * a burst is drawn as high as it was and no higher.
 */
import type { MetricsSeries } from "@eventflow/protocol";
import type { ReactElement } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatMs, formatTime } from "../../../lib/format.ts";
import { completeSteps, totals } from "../api/metrics-queries.ts";

const TICK = { fontSize: 11, fill: "currentColor" };

/** Axes, grid, tooltip and a legend smaller than the caption, shared by both charts. */
function frame(yAxis: { unit?: string; allowDecimals?: boolean; width: number }) {
  return [
    <CartesianGrid key="grid" strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />,
    <XAxis key="x" dataKey="time" tick={TICK} minTickGap={24} />,
    <YAxis key="y" tick={TICK} {...yAxis} />,
    <Tooltip key="tip" />,
    <Legend key="legend" iconSize={10} wrapperStyle={{ fontSize: 11 }} />,
  ];
}

/** One line per `[dataKey, name, colour]`, drawn alike. */
function lines(
  defs: readonly (readonly [string, string, string])[],
  style: { type: "linear" | "stepAfter"; dot: false | { r: number }; connectNulls?: boolean },
) {
  return defs.map(([key, name, color]) => (
    <Line key={key} dataKey={key} name={name} stroke={color} isAnimationActive={false} {...style} />
  ));
}

/** A captioned chart; `width` fixes its size, else it fills its container. */
function Figure(props: {
  caption: string;
  width: number | undefined;
  height: number;
  figure: Record<`data-${string}`, string | number>;
  children: ReactElement;
}) {
  const { width, height } = props;
  return (
    <figure {...props.figure}>
      <figcaption className="mb-1 text-sm font-medium">{props.caption}</figcaption>
      {width === undefined ? (
        <ResponsiveContainer width="100%" height={height}>
          {props.children}
        </ResponsiveContainer>
      ) : (
        <div style={{ width, height }}>{props.children}</div>
      )}
    </figure>
  );
}

/** The series' steps that have ended, as the charts draw them. */
function toRows(series: MetricsSeries, now: number) {
  const seconds = series.step_seconds < 60;
  return completeSteps(series, now).map((p) => ({
    time: formatTime(p.timestamp, seconds),
    ok: p.invocations - p.errors - p.client_errors,
    client: p.client_errors,
    server: p.errors,
    p50_ms: p.p50_ms,
    p95_ms: p.p95_ms,
    cold: p.cold_starts,
    desired: p.replicas_desired,
    ready: p.replicas_ready,
  }));
}

/** Invocations per step, stacked by answer: 2xx/3xx, 4xx, 5xx. */
export function InvocationsChart(props: {
  series: MetricsSeries;
  width?: number | undefined;
  height?: number;
  now?: number;
  testId?: string;
}) {
  const { series, width, height = 200, now = Date.now() } = props;
  const data = toRows(series, now);
  const sum = totals(series);
  return (
    <Figure
      width={width}
      height={height}
      caption={`Invocations: ${sum.invocations} (${sum.clientErrors} 4xx, ${sum.errors} 5xx)`}
      figure={{
        "data-testid": props.testId ?? "chart-invocations",
        "data-invocations": sum.invocations,
        "data-errors": sum.errors,
        "data-client-errors": sum.clientErrors,
        "data-steps": data.length,
      }}
    >
      <BarChart data={data} {...(width === undefined ? {} : { width, height })} accessibilityLayer>
        {frame({ allowDecimals: false, width: 36 })}
        <Bar dataKey="ok" name="2xx/3xx" stackId="n" fill="#0284c7" isAnimationActive={false} />
        <Bar dataKey="client" name="4xx" stackId="n" fill="#d97706" isAnimationActive={false} />
        <Bar dataKey="server" name="5xx" stackId="n" fill="#dc2626" isAnimationActive={false} />
      </BarChart>
    </Figure>
  );
}

/** Replicas the autoscaler asked for and replicas ready, per step, as step lines. */
function ReplicasChart(props: {
  series: MetricsSeries;
  data: ReturnType<typeof toRows>;
  size: Size;
}) {
  const { data, size } = props;
  const latest = props.series.points.findLast((p) => p.replicas_desired !== null);
  return (
    <Figure
      width={size.width}
      height={size.height}
      caption={`Replicas${latest ? `: ${latest.replicas_ready ?? 0} ready of ${latest.replicas_desired} desired` : ": no autoscaler reports"}`}
      figure={{ "data-testid": "chart-replicas" }}
    >
      <LineChart data={data} {...chartSize(size)} accessibilityLayer>
        {frame({ allowDecimals: false, width: 36 })}
        {lines(
          [
            ["desired", "desired", "#0284c7"],
            ["ready", "ready", "#16a34a"],
          ],
          { type: "stepAfter", dot: false },
        )}
      </LineChart>
    </Figure>
  );
}

/** Invocations per step that waited for a replica to start. */
function ColdStartsChart(props: {
  series: MetricsSeries;
  data: ReturnType<typeof toRows>;
  size: Size;
}) {
  const { data, size } = props;
  const sum = props.series.points.reduce((n, p) => n + p.cold_starts, 0);
  return (
    <Figure
      width={size.width}
      height={size.height}
      caption={`Cold starts: ${sum}`}
      figure={{ "data-testid": "chart-cold-starts", "data-cold-starts": sum }}
    >
      <BarChart data={data} {...chartSize(size)} accessibilityLayer>
        {frame({ allowDecimals: false, width: 36 })}
        <Bar dataKey="cold" name="cold starts" fill="#0891b2" isAnimationActive={false} />
      </BarChart>
    </Figure>
  );
}

interface Size {
  width: number | undefined;
  height: number;
}
const chartSize = (s: Size) => (s.width === undefined ? {} : { width: s.width, height: s.height });

/** The four charts; `width` fixes their size and `now` the clock (tests). */
export function MetricsCharts({
  series,
  width,
  height = 200,
  now = Date.now(),
}: {
  series: MetricsSeries;
  width?: number;
  height?: number;
  now?: number;
}) {
  const data = toRows(series, now);
  const latest = series.points.findLast((p) => p.p95_ms !== null);
  const size = width === undefined ? {} : { width, height };
  const figure = { width, height };
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <InvocationsChart series={series} width={width} height={height} now={now} />
      <Figure
        {...figure}
        caption={`Latency p50 and p95${latest ? `: latest p95 ${formatMs(latest.p95_ms)}` : ": no invocations yet"}`}
        figure={{ "data-testid": "chart-latency" }}
      >
        <LineChart data={data} {...size} accessibilityLayer>
          {frame({ unit: " ms", width: 68 })}
          {lines(
            [
              ["p50_ms", "p50", "#16a34a"],
              ["p95_ms", "p95", "#9333ea"],
            ],
            { type: "linear", dot: { r: 2 }, connectNulls: true },
          )}
        </LineChart>
      </Figure>
      <ReplicasChart series={series} data={data} size={figure} />
      <ColdStartsChart series={series} data={data} size={figure} />
    </div>
  );
}
