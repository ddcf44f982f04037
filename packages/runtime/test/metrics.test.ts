// Tier 4: the exposition text is checked by Prometheus' own promtool (Debian's prometheus
// package, installed by scripts/setup/06-prometheus.sh).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createRuntimeMetrics } from "../src/index.js";

describe("runtime metrics", () => {
  it("counts by status class and fills histogram buckets cumulatively", () => {
    const metrics = createRuntimeMetrics("orders");
    metrics.observe(200, 0.002);
    metrics.observe(204, 0.2);
    metrics.observe(503, 40);
    metrics.setColdStart(0.05);
    const text = metrics.render(3);
    expect(text).toContain('eventflow_runtime_invocations_total{function="orders",code="2xx"} 2');
    expect(text).toContain('eventflow_runtime_invocations_total{function="orders",code="5xx"} 1');
    expect(text).toContain(
      'eventflow_runtime_invocation_duration_seconds_bucket{function="orders",le="0.0025"} 1',
    );
    expect(text).toContain(
      'eventflow_runtime_invocation_duration_seconds_bucket{function="orders",le="0.25"} 2',
    );
    expect(text).toContain(
      'eventflow_runtime_invocation_duration_seconds_bucket{function="orders",le="30"} 2',
    );
    expect(text).toContain(
      'eventflow_runtime_invocation_duration_seconds_bucket{function="orders",le="+Inf"} 3',
    );
    expect(text).toContain('eventflow_runtime_in_flight{function="orders"} 3');
    expect(text).toContain('eventflow_runtime_cold_start_seconds{function="orders"} 0.05');
  });

  it("passes promtool check metrics", () => {
    const metrics = createRuntimeMetrics('we"ird\\name');
    metrics.observe(200, 0.01);
    metrics.setColdStart(0.1);
    const result = spawnSync("promtool", ["check", "metrics"], {
      input: metrics.render(0, { requests: 2, concurrencySeconds: 0.5 }),
      encoding: "utf8",
    });
    expect(result.error).toBeUndefined();
    expect(result.stderr + result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
