import { describe, expect, it } from "vitest";
import { createFunctionSeries, quantileMs } from "../src/function-series.js";

describe("function series", () => {
  it("aggregates 10 s buckets into steps and ages them out after 24 h", () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const series = createFunctionSeries(() => now);
    series.record("t/f", 200, 0.01);
    now += 15_000;
    series.record("t/f", 500, 0.02);
    series.record("t/f", 200, 0.02);
    const fiveMin = series.query("t/f", "5m");
    expect(fiveMin.stepSeconds).toBe(10);
    expect(fiveMin.points).toHaveLength(30);
    expect(fiveMin.points.map((p) => p.invocations).filter((n) => n > 0)).toEqual([1, 2]);
    expect(fiveMin.points.reduce((n, p) => n + p.errors, 0)).toBe(1);
    const hour = series.query("t/f", "1h");
    expect(hour.points.reduce((n, p) => n + p.invocations, 0)).toBe(3);
    expect(hour.points.at(-1)!.timestamp).toBe(
      new Date(Math.floor(now / 60_000) * 60_000).toISOString(),
    );
    now += 25 * 3600 * 1000;
    series.record("t/f", 200, 0.01);
    expect(series.query("t/f", "24h").points.reduce((n, p) => n + p.invocations, 0)).toBe(1);
    series.forget("t/f");
    expect(series.query("t/f", "24h").points.every((p) => p.invocations === 0)).toBe(true);
  });

  it.each([
    [[], 0.5, null],
    [[10], 0.5, 0.25],
  ] as const)("quantile of %j at %d", (counts, q, expected) => {
    const h = new Uint32Array(40);
    counts.forEach((c, i) => (h[i] = c));
    expect(quantileMs(h, q)).toBe(expected);
  });

  it("orders quantiles and bounds them by the observed buckets", () => {
    const series = createFunctionSeries(() => 0);
    for (let i = 0; i < 95; i++) series.record("k", 200, 0.001);
    for (let i = 0; i < 5; i++) series.record("k", 200, 1);
    const p = series.query("k", "5m").points.find((x) => x.invocations > 0)!;
    expect(p.p50_ms).toBeGreaterThanOrEqual(1);
    expect(p.p50_ms).toBeLessThan(2);
    expect(p.p95_ms).toBeLessThan(2);
    const q99 = quantileMs(
      new Uint32Array([
        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9,
      ]),
      0.99,
    );
    expect(q99).toBeGreaterThan(1000);
  });
});
