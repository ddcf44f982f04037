import type { MetricsSeries } from "@eventflow/protocol";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { completeSteps, sumSeries } from "../../src/features/metrics/api/metrics-queries.ts";
import { MetricsCharts } from "../../src/features/metrics/components/metrics-charts.tsx";

const START = Date.UTC(2026, 10, 26, 5, 0, 0);
type Row = [
  invocations: number,
  errors5xx: number,
  errors4xx: number,
  p50: number | null,
  p95: number | null,
  coldStarts?: number,
  desired?: number | null,
  ready?: number | null,
];

function series(points: Row[]): MetricsSeries {
  return {
    name: "hello",
    tenant: "default",
    range: "5m",
    step_seconds: 10,
    points: points.map(
      (
        [invocations, errors, client_errors, p50, p95, cold = 0, desired = null, ready = null],
        i,
      ) => ({
        timestamp: new Date(START + i * 10_000).toISOString(),
        invocations,
        errors,
        client_errors,
        p50_ms: p50,
        p95_ms: p95,
        cold_starts: cold,
        replicas_desired: desired,
        replicas_ready: ready,
      }),
    ),
  };
}

/** A clock in the middle of the last step: that step is still filling. */
const during = (rows: Row[]) => START + (rows.length - 1) * 10_000 + 5000;

describe("MetricsCharts", () => {
  it("stacks 2xx/3xx, 4xx and 5xx per step and draws p50 and p95, totals in the captions", () => {
    const rows: Row[] = [
      [0, 0, 0, null, null],
      [5, 1, 2, 2.5, 8.5],
      [3, 0, 0, 1.7, 3.8],
      [1, 0, 0, 1, 1],
    ];
    render(<MetricsCharts width={400} height={200} series={series(rows)} now={during(rows)} />);
    const invocations = screen.getByTestId("chart-invocations");
    expect(invocations.getAttribute("data-invocations")).toBe("9");
    expect(invocations.getAttribute("data-errors")).toBe("1");
    expect(invocations.getAttribute("data-client-errors")).toBe("2");
    expect(screen.getByText("Invocations: 9 (2 4xx, 1 5xx)")).toBeTruthy();
    expect(screen.getByText(/latest p95 1.0 ms/)).toBeTruthy();
    // three stacked series; the failing step has all three, so none hides the others
    const layers = [...invocations.querySelectorAll(".recharts-bar-rectangles")];
    expect(layers).toHaveLength(3);
    expect(invocations.querySelectorAll("path.recharts-rectangle")).toHaveLength(4);
    // latency: one straight path per quantile (no curve commands, so no overshoot)
    const latency = screen.getByTestId("chart-latency");
    const paths = [...latency.querySelectorAll("path.recharts-line-curve")];
    expect(paths).toHaveLength(2);
    for (const p of paths) expect(p.getAttribute("d")).not.toMatch(/C/);
  });

  it("leaves out the step that is still filling", () => {
    const rows: Row[] = [
      [1, 0, 0, 1, 1],
      [4, 0, 0, 2, 3],
      [0, 0, 0, null, null],
    ];
    expect(completeSteps(series(rows), during(rows))).toHaveLength(2);
    expect(completeSteps(series(rows), during(rows) + 5000)).toHaveLength(3);
    render(<MetricsCharts width={400} series={series(rows)} now={during(rows)} />);
    expect(screen.getByTestId("chart-invocations").getAttribute("data-steps")).toBe("2");
  });

  it("moves when new points arrive", () => {
    const before: Row[] = [
      [1, 0, 0, 1, 1],
      [0, 0, 0, null, null],
      [0, 0, 0, null, null],
    ];
    const after: Row[] = [
      [1, 0, 0, 1, 1],
      [4, 0, 0, 2, 3],
      [0, 0, 0, null, null],
    ];
    const { rerender, container } = render(
      <MetricsCharts width={400} series={series(before)} now={during(before)} />,
    );
    const d = () => container.querySelector("path.recharts-line-curve")!.getAttribute("d");
    const first = d();
    rerender(<MetricsCharts width={400} series={series(after)} now={during(after)} />);
    expect(d()).not.toBe(first);
    expect(screen.getByTestId("chart-invocations").getAttribute("data-invocations")).toBe("5");
  });

  it("marks latency points with dots, so a single step with invocations is visible", () => {
    const rows: Row[] = [
      [0, 0, 0, null, null],
      [0, 0, 0, null, null],
      [2, 0, 0, 4, 9],
      [0, 0, 0, null, null],
    ];
    render(<MetricsCharts width={400} series={series(rows)} now={during(rows)} />);
    expect(
      screen.getByTestId("chart-latency").querySelectorAll("circle.recharts-dot"),
    ).toHaveLength(2);
  });

  it("draws desired and ready replicas as step lines and counts cold starts", () => {
    const rows: Row[] = [
      [0, 0, 0, null, null, 0, 0, 0],
      [3, 0, 0, 900, 1200, 2, 1, 0],
      [9, 0, 0, 2, 5, 1, 3, 1],
      [4, 0, 0, 2, 3, 0, 3, 3],
      [0, 0, 0, null, null, 0, 3, 3],
    ];
    render(<MetricsCharts width={400} height={200} series={series(rows)} now={during(rows)} />);
    const replicas = screen.getByTestId("chart-replicas");
    expect(replicas.textContent).toContain("Replicas: 3 ready of 3 desired");
    const paths = [...replicas.querySelectorAll("path.recharts-line-curve")];
    expect(paths).toHaveLength(2);
    // a step line moves only horizontally or vertically: every segment keeps x or y
    for (const p of paths) {
      const points = [...p.getAttribute("d")!.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
      expect(points.length).toBeGreaterThan(4);
      for (let i = 1; i < points.length; i++) {
        const [[x0, y0], [x1, y1]] = [points[i - 1]!, points[i]!];
        expect(x0 === x1 || y0 === y1).toBe(true);
      }
    }
    const cold = screen.getByTestId("chart-cold-starts");
    expect(cold.getAttribute("data-cold-starts")).toBe("3");
    expect(screen.getByText("Cold starts: 3")).toBeTruthy();
    expect(cold.querySelectorAll("path.recharts-rectangle")).toHaveLength(2);
  });

  it("says when no autoscaler reported replicas", () => {
    const rows: Row[] = [[1, 0, 0, 1, 1]];
    render(<MetricsCharts width={400} series={series(rows)} now={during(rows)} />);
    expect(screen.getByText("Replicas: no autoscaler reports")).toBeTruthy();
  });

  it("says when there is no latency yet", () => {
    const rows: Row[] = [[0, 0, 0, null, null]];
    render(<MetricsCharts width={400} series={series(rows)} now={during(rows)} />);
    expect(screen.getByText(/no invocations yet/)).toBeTruthy();
  });
});

describe("sumSeries", () => {
  it("adds the functions' steps by timestamp, even when one answer is a step ahead", () => {
    const a = series([
      [1, 0, 1, 1, 1, 1, 2, 1],
      [2, 1, 0, 1, 1, 0, 2, 2],
      [0, 0, 0, null, null],
    ]);
    const b = series([
      [5, 0, 0, 1, 1, 2, 1, 1],
      [1, 0, 1, 1, 1],
      [0, 0, 0, null, null],
    ]);
    // b fetched one step later: its points start one step after a's
    const later = {
      ...b,
      points: b.points.map((p) => ({
        ...p,
        timestamp: new Date(Date.parse(p.timestamp) + 10_000).toISOString(),
      })),
    };
    const sum = sumSeries([a, later])!;
    expect(sum.points).toHaveLength(3);
    expect(sum.points.map((p) => p.invocations)).toEqual([7, 1, 0]);
    expect(sum.points.map((p) => p.client_errors)).toEqual([0, 1, 0]);
    expect(sum.points.map((p) => p.errors)).toEqual([1, 0, 0]);
    expect(sum.points.every((p) => p.p95_ms === null)).toBe(true);
    expect(sum.points.map((p) => p.cold_starts)).toEqual([2, 0, 0]);
    // replicas add up where any function reported them, null where none did
    expect(sum.points.map((p) => p.replicas_desired)).toEqual([3, null, null]);
    expect(sum.points.map((p) => p.replicas_ready)).toEqual([3, null, null]);
    expect(sumSeries([])).toBeUndefined();
  });
});
