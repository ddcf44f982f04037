import { describe, expect, it } from "vitest";
import { EventFlowError } from "@eventflow/protocol";
import { parseRuntimeConfig } from "../src/index.js";

describe("parseRuntimeConfig", () => {
  it("has documented defaults", () => {
    const config = parseRuntimeConfig({}, { functionName: "hello" });
    expect(config).toMatchObject({
      port: 8080,
      functionName: "hello",
      maxBodyBytes: 6 * 1024 * 1024,
      timeoutMs: 30_000,
      maxConcurrency: 256,
      shutdownDelayMs: 2000,
      shutdownGraceMs: 25_000,
      logLevel: "info",
      metrics: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: "0" }, { port: 0 }],
    [{ EVENTFLOW_FUNCTION_NAME: "orders" }, { functionName: "orders" }],
    [{ LOG_LEVEL: "DEBUG" }, { logLevel: "debug" }],
    [{ EVENTFLOW_LOG_LEVEL: "warn", LOG_LEVEL: "debug" }, { logLevel: "warn" }],
    [{ EVENTFLOW_METRICS: "off" }, { metrics: false }],
    [{ EVENTFLOW_MAX_CONCURRENCY: "0" }, { maxConcurrency: 0 }],
  ])("reads %o", (env, expected) => {
    expect(parseRuntimeConfig(env)).toMatchObject(expected);
  });

  it("reports every bad variable at once", () => {
    let caught: unknown;
    try {
      parseRuntimeConfig({
        PORT: "http",
        EVENTFLOW_TIMEOUT_MS: "-1",
        EVENTFLOW_METRICS: "maybe",
        LOG_LEVEL: "loud",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EventFlowError);
    const error = caught as EventFlowError;
    expect(error.code).toBe("CONFIG_INVALID");
    expect((error.details as Array<{ path: string }>).map((d) => d.path).sort()).toEqual([
      "EVENTFLOW_METRICS",
      "EVENTFLOW_TIMEOUT_MS",
      "LOG_LEVEL",
      "PORT",
    ]);
  });
});
