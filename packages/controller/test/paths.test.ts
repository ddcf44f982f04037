import { describe, expect, it } from "vitest";
import { toTemplate } from "../src/metrics.js";
import { toRouterPath } from "../src/routes/route.js";
import { cpuMillis, memoryBytes } from "@eventflow/protocol/function-spec";
import { durationSeconds } from "../src/schemas/observe.js";

describe("path and quantity helpers", () => {
  it.each([
    ["/v1/functions", "/v1/functions"],
    ["/v1/functions/{name}", "/v1/functions/:name"],
    ["/v1/functions/{name}:invoke", "/v1/functions/:name\\:invoke"],
    ["/v1/functions/{name}/logs", "/v1/functions/:name/logs"],
  ])("OpenAPI %s <-> router %s", (openapi, router) => {
    expect(toRouterPath(openapi)).toBe(router);
    expect(toTemplate(router)).toBe(openapi);
  });

  it.each([
    ["250m", 250],
    ["1", 1000],
    ["1.5", 1500],
    ["0.001", 1],
  ])("cpu %s = %d millicores", (q, m) => expect(cpuMillis(q)).toBe(m));

  it.each([
    ["128Mi", 128 * 1024 ** 2],
    ["1Gi", 1024 ** 3],
    ["500M", 5e8],
    ["1024", 1024],
  ])("memory %s = %d bytes", (q, b) => expect(memoryBytes(q)).toBe(b));

  it.each([
    ["30s", 30],
    ["10m", 600],
    ["2h", 7200],
    ["1d", 86_400],
    ["10", undefined],
    ["1w", undefined],
  ])("duration %s = %s s", (text, seconds) => expect(durationSeconds(text)).toBe(seconds));
});
