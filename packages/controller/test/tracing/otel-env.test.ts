import { parseTracingEnv, type FieldIssue } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import { TEST_SECRET } from "../support/harness.js";

const parse = (env: Record<string, string>) => {
  const issues: FieldIssue[] = [];
  const config = parseTracingEnv(env, { serviceName: "svc" }, issues);
  return { config, issues: issues.map((i) => i.path) };
};

describe("parseTracingEnv (the OTEL_* trace variables)", () => {
  it.each([
    [{}, false, "none"],
    [{ OTEL_TRACES_EXPORTER: "none" }, false, "none"],
    [{ OTEL_TRACES_EXPORTER: "otlp" }, true, "otlp"],
    [{ OTEL_TRACES_EXPORTER: "console" }, true, "console"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://j:4318" }, true, "otlp"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://j:4318", OTEL_TRACES_EXPORTER: "none" }, false, "none"],
    [{ OTEL_TRACES_EXPORTER: "otlp", OTEL_SDK_DISABLED: "true" }, false, "otlp"],
  ])("%j: enabled %s, exporter %s", (env, enabled, exporter) => {
    const { config, issues } = parse(env as Record<string, string>);
    expect(issues).toEqual([]);
    expect(config.enabled).toBe(enabled);
    expect(config.exporter).toBe(exporter);
  });

  it("derives the traces URL, headers, sampler and resource", () => {
    const { config, issues } = parse({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
      OTEL_EXPORTER_OTLP_HEADERS: "x-a=1, x-b=two%20words",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs,deployment.environment=test",
    });
    expect(issues).toEqual([]);
    expect(config).toMatchObject({
      protocol: "http/protobuf",
      endpoint: "http://collector:4318/v1/traces",
      headers: { "x-a": "1", "x-b": "two words" },
      sampler: "parentbased_traceidratio",
      samplerRatio: 0.25,
      serviceName: "from-attrs",
      resourceAttributes: { "deployment.environment": "test" },
    });
    expect(parse({ OTEL_SERVICE_NAME: "named" }).config.serviceName).toBe("named");
    expect(parse({}).config.serviceName).toBe("svc");
    expect(
      parse({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:4318/custom",
      }).config.endpoint,
    ).toBe("http://b:4318/custom");
    expect(parse({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }).config.protocol).toBe("http/json");
    expect(
      parse({
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
      }).config.protocol,
    ).toBe("http/protobuf");
  });

  it("reports every bad variable at once", () => {
    const { issues } = parse({
      OTEL_TRACES_EXPORTER: "zipkin",
      OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://x",
      OTEL_EXPORTER_OTLP_HEADERS: "novalue",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_RESOURCE_ATTRIBUTES: "a=%E0%A4%A",
    });
    expect(issues.sort()).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_EXPORTER_OTLP_HEADERS",
      "OTEL_RESOURCE_ATTRIBUTES",
      "OTEL_TRACES_EXPORTER",
      "OTEL_TRACES_SAMPLER",
    ]);
    expect(
      parse({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" }).issues,
    ).toEqual(["OTEL_TRACES_SAMPLER_ARG"]);
    expect(parse({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }).issues).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL",
    ]);
  });

  it("is part of the controller's config: bad OTEL_* variables are CONFIG_INVALID with the rest", () => {
    const ok = parseConfig({ JWT_SECRET: TEST_SECRET, OTEL_TRACES_EXPORTER: "otlp" });
    expect(ok.tracing).toMatchObject({ enabled: true, serviceName: "eventflow-controller" });
    expect(parseConfig({ JWT_SECRET: TEST_SECRET }).tracing.enabled).toBe(false);
    let caught: unknown;
    try {
      parseConfig({ JWT_SECRET: TEST_SECRET, OTEL_TRACES_SAMPLER: "x", PORT: "-1" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "CONFIG_INVALID" });
    const paths = (caught as { details: { path: string }[] }).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["OTEL_TRACES_SAMPLER", "PORT"]));
  });

  it("takes a trace URL template only with {traceId}", () => {
    const env = { JWT_SECRET: TEST_SECRET };
    expect(
      parseConfig({ ...env, EVENTFLOW_TRACE_URL_TEMPLATE: "http://j:16686/trace/{traceId}" })
        .traceUrlTemplate,
    ).toBe("http://j:16686/trace/{traceId}");
    expect(() =>
      parseConfig({ ...env, EVENTFLOW_TRACE_URL_TEMPLATE: "http://j:16686/trace/" }),
    ).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });
});
