import { describe, expect, it } from "vitest";
import { toMetricsRange } from "../src/metrics.ts";

describe("metrics --startTime", () => {
  const now = new Date("2026-01-31T12:00:00Z");
  it.each([
    ["90s", "5m", false],
    ["5m", "5m", false],
    ["10m", "15m", false],
    ["1h", "1h", false],
    ["2h", "6h", false],
    ["1d", "24h", false],
    ["2d", "24h", true],
    ["2026-01-31T11:30:00", "1h", false],
    ["2026-01-31T11:30:00+01:00", "6h", false],
    ["2026-01-31", "24h", false],
    ["2026-01-29", "24h", true],
  ])("%j is the range %j (truncated: %s)", (startTime, range, truncated) => {
    expect(toMetricsRange(startTime, now)).toEqual({ range, truncated });
  });
});
