import { readFile } from "node:fs/promises";
import { invoke } from "@eventflow/sdk/testing";
import { buildServiceSpecs } from "serverless-eventflow";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import greet from "../src/greet.js";
import report from "../src/report.js";

describe("serverless-app handlers", () => {
  it("greet answers with the name of the body", async () => {
    const res = await invoke(greet, { method: "POST", body: { name: "Ada" } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ greeting: "Hello, Ada!" });
  });

  it("report reads the schedule's input", async () => {
    const res = await invoke(report, { method: "POST", body: { source: "schedule" } });
    expect(res.json()).toEqual({ report: "report", source: "schedule" });
  });
});

describe("serverless.yml", () => {
  it("maps to EventFlow specs without warnings", async () => {
    const doc = parse(await readFile(new URL("../serverless.yml", import.meta.url), "utf8")) as {
      service: string;
      provider: Record<string, unknown>;
      functions: Record<string, unknown>;
    };
    const mapped = buildServiceSpecs({ ...doc, stage: "dev" });
    expect(mapped.warnings).toEqual([]);
    const [greetFn, reportFn] = mapped.functions;
    expect(greetFn?.name).toBe("greeter-dev-greet");
    expect(greetFn?.spec).toMatchObject({
      cors: { allowOrigins: ["*"] },
      containerConcurrency: 50,
      scaling: { minReplicas: 0, maxReplicas: 3, metric: "concurrency", target: 20 },
    });
    expect(reportFn?.spec).toMatchObject({
      env: { GREETING: "Hello", REPORT_NAME: "daily" },
      triggers: [{ type: "schedule", cron: "0 8 * * MON-FRI", data: { source: "schedule" } }],
      retry: { maxAttempts: 3 },
    });
  });
});
