import type { MetricsSeries } from "@eventflow/protocol";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { MetricsCharts } from "../../src/features/metrics/components/metrics-charts.tsx";

function series(points: [number, number, number | null, number | null][]): MetricsSeries {
  return {
    name: "hello",
    tenant: "default",
    range: "5m",
    step_seconds: 10,
    points: points.map(([invocations, errors, p50, p95], i) => ({
      timestamp: new Date(Date.UTC(2026, 10, 26, 5, 0, i * 10)).toISOString(),
      invocations,
      errors,
      p50_ms: p50,
      p95_ms: p95,
    })),
  };
}

describe("MetricsCharts", () => {
  it("draws invocations, errors, p50 and p95 as four lines with totals in the captions", () => {
    const { container } = render(
      <MetricsCharts
        width={400}
        height={200}
        series={series([
          [0, 0, null, null],
          [5, 1, 2.5, 8.5],
          [3, 0, 1.7, 3.8],
        ])}
      />,
    );
    const invocations = screen.getByTestId("chart-invocations");
    expect(invocations.getAttribute("data-invocations")).toBe("8");
    expect(invocations.getAttribute("data-errors")).toBe("1");
    expect(screen.getByText(/8 invocations, 1 errors/)).toBeTruthy();
    expect(screen.getByText(/latest p95 3.8 ms/)).toBeTruthy();
    // one path per series, with as many points as steps
    const paths = [...container.querySelectorAll("path.recharts-line-curve")];
    expect(paths).toHaveLength(4);
    // invocations: a start point and one curve segment per following step
    expect(paths[0]!.getAttribute("d")!.startsWith("M")).toBe(true);
    expect(paths[0]!.getAttribute("d")!.split(/[LC]/)).toHaveLength(3);
  });

  it("moves when new points arrive", () => {
    const { rerender, container } = render(
      <MetricsCharts
        width={400}
        series={series([
          [1, 0, 1, 1],
          [0, 0, null, null],
        ])}
      />,
    );
    const before = container.querySelector("path.recharts-line-curve")!.getAttribute("d");
    rerender(
      <MetricsCharts
        width={400}
        series={series([
          [1, 0, 1, 1],
          [4, 0, 2, 3],
        ])}
      />,
    );
    expect(container.querySelector("path.recharts-line-curve")!.getAttribute("d")).not.toBe(before);
    expect(screen.getByTestId("chart-invocations").getAttribute("data-invocations")).toBe("5");
  });

  it("marks latency points with dots, so a single step with invocations is visible", () => {
    render(
      <MetricsCharts
        width={400}
        series={series([
          [0, 0, null, null],
          [0, 0, null, null],
          [2, 0, 4, 9],
        ])}
      />,
    );
    expect(
      screen.getByTestId("chart-latency").querySelectorAll("circle.recharts-dot"),
    ).toHaveLength(2);
  });

  it("says when there is no latency yet", () => {
    render(<MetricsCharts width={400} series={series([[0, 0, null, null]])} />);
    expect(screen.getByText(/no invocations yet/)).toBeTruthy();
  });
});
