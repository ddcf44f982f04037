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
    series.record("t/f", 404, 0.02);
    series.record("t/f", 429, 0.02);
    const fiveMin = series.query("t/f", "5m");
    expect(fiveMin.stepSeconds).toBe(10);
    expect(fiveMin.points).toHaveLength(30);
    expect(fiveMin.points.map((p) => p.invocations).filter((n) => n > 0)).toEqual([1, 4]);
    // 5xx and 4xx apart: a 4xx is not an error of the function, but the user must see it
    expect(fiveMin.points.reduce((n, p) => n + p.errors, 0)).toBe(1);
    expect(fiveMin.points.reduce((n, p) => n + p.client_errors, 0)).toBe(2);
    const hour = series.query("t/f", "1h");
    expect(hour.points.reduce((n, p) => n + p.invocations, 0)).toBe(5);
    expect(hour.points.reduce((n, p) => n + p.client_errors, 0)).toBe(2);
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

  it("counts cold starts per bucket", () => {
    const series = createFunctionSeries(() => 0);
    series.record("k", 200, 1.2, true);
    series.record("k", 200, 0.01, false);
    series.record("k", 503, 30, true);
    series.record("k", 200, 0.01);
    const points = series.query("k", "5m").points;
    expect(points.reduce((n, p) => n + p.cold_starts, 0)).toBe(2);
    expect(points.find((p) => p.invocations > 0)).toMatchObject({ invocations: 4, cold_starts: 2 });
  });

  it("keeps replica counts per bucket: null where none was recorded, the step's highest", () => {
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
    let now = t0;
    const series = createFunctionSeries(() => now);
    now = t0 + 60_000;
    // every 2 s for 30 s: desired 1 ready 0, then both 3
    for (let i = 0; i < 15; i++) series.replicas("k", i < 5 ? 1 : 3, i < 5 ? 0 : 3, t0 + i * 2000);
    // a later sample in the same bucket replaces the earlier one
    series.replicas("k", 0, 0, t0 + 40_000);
    series.replicas("k", 2, 1, t0 + 41_000);
    const points = series.query("k", "5m").points;
    const at = (ms: number) => points.find((p) => p.timestamp === new Date(ms).toISOString())!;
    expect(at(t0)).toMatchObject({ replicas_desired: 1, replicas_ready: 0 });
    expect(at(t0 + 10_000)).toMatchObject({ replicas_desired: 3, replicas_ready: 3 });
    expect(at(t0 + 20_000)).toMatchObject({ replicas_desired: 3, replicas_ready: 3 });
    expect(at(t0 + 30_000)).toMatchObject({ replicas_desired: null, replicas_ready: null });
    expect(at(t0 + 40_000)).toMatchObject({ replicas_desired: 2, replicas_ready: 1 });
    expect(at(t0 - 10_000)).toMatchObject({ replicas_desired: null, replicas_ready: null });
    // one hour range: 60 s steps show the highest of their buckets
    const minute = series
      .query("k", "1h")
      .points.find((p) => p.timestamp === new Date(t0).toISOString())!;
    expect(minute).toMatchObject({ replicas_desired: 3, replicas_ready: 3, invocations: 0 });
    series.replicas("k", Number.NaN, 1, t0 + 50_000);
    expect(at(t0 + 50_000).replicas_desired).toBeNull();
    series.forget("k");
    expect(series.query("k", "5m").points.every((p) => p.replicas_desired === null)).toBe(true);
  });

  it("stores a steady replica count as one run and ages it out after 24 h", () => {
    let now = Date.UTC(2026, 0, 1, 0, 0, 0);
    const series = createFunctionSeries(() => now);
    for (let i = 0; i < 3 * 8640; i++) {
      series.replicas("k", 2, 2);
      now += 10_000;
    }
    const day = series.query("k", "24h").points;
    expect(day.filter((p) => p.replicas_desired === 2).length).toBeGreaterThan(day.length - 2);
    series.replicas("k", 5, 4);
    now += 25 * 3600 * 1000;
    series.replicas("k", 1, 1);
    const later = series.query("k", "24h").points;
    expect(later.filter((p) => p.replicas_desired !== null)).toHaveLength(1);
    expect(later.at(-1)).toMatchObject({ replicas_desired: 1, replicas_ready: 1 });
  });
});
