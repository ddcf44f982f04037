import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { createMetrics } from "../src/metrics.js";

const SECRET = randomBytes(32).toString("base64");

describe("log ingestion settings and metrics", () => {
  it("EVENTFLOW_FUNCTION_LOG_RATE: 1000 lines/s by default, 0 for no limit, negative refused", () => {
    expect(parseConfig({ JWT_SECRET: SECRET }).limits.functionLogLinesPerSecond).toBe(1000);
    const off = parseConfig({ JWT_SECRET: SECRET, EVENTFLOW_FUNCTION_LOG_RATE: "0" });
    expect(off.limits.functionLogLinesPerSecond).toBe(0);
    expect(() => parseConfig({ JWT_SECRET: SECRET, EVENTFLOW_FUNCTION_LOG_RATE: "-1" })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });

  it("counts write errors and dropped lines, and forgets a deleted function's series", async () => {
    const metrics = createMetrics({ countFunctions: async () => 0, processMetrics: false });
    metrics.logs.writeError();
    metrics.logs.writeError();
    metrics.logs.linesDropped({ tenant: "t", name: "f" }, 250);
    const text = await metrics.registry.metrics();
    expect(text).toContain("eventflow_log_write_errors_total 2");
    expect(text).toContain('eventflow_log_lines_dropped_total{tenant="t",function="f"} 250');
    metrics.forgetFunction("t", "f");
    expect(await metrics.registry.metrics()).not.toContain('function="f"');
  });
});
