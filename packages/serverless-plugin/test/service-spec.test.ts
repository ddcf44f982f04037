import { isEventFlowError, type EventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_BACKOFF,
  buildServiceSpecs,
  parseHandler,
  type ServiceInput,
} from "../src/service-spec.ts";

const provider = { name: "eventflow", stage: "dev" };

function service(functions: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    service: "shop",
    stage: "dev",
    provider: { ...provider, ...extra },
    functions,
  } satisfies ServiceInput;
}

function only(functions: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const mapped = buildServiceSpecs(service(functions, extra));
  expect(mapped.functions).toHaveLength(1);
  return { fn: mapped.functions[0]!, warnings: mapped.warnings };
}

function failure(input: ServiceInput): EventFlowError {
  let caught: unknown;
  try {
    buildServiceSpecs(input);
  } catch (error) {
    caught = error;
  }
  if (!isEventFlowError(caught)) throw new Error("expected CONFIG_INVALID");
  expect(caught.code).toBe("CONFIG_INVALID");
  return caught;
}

const paths = (error: EventFlowError) => (error.details as { path: string }[]).map((d) => d.path);

describe("buildServiceSpecs: function fields", () => {
  it.each([
    ["src/hello.default", { file: "src/hello", exportName: "default" }],
    ["handlers/orders.v2.handler", { file: "handlers/orders.v2", exportName: "handler" }],
  ])("parseHandler(%s)", (text, ref) => {
    expect(parseHandler(text)).toEqual(ref);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["nothing but a handler", {}, {}],
    [
      "environment (provider's merged under the function's, scalars as strings)",
      { environment: { A: "fn", PORT: 8080, DEBUG: true } },
      { env: { A: "fn", B: "provider", PORT: "8080", DEBUG: "true" } },
    ],
    [
      "memorySize in megabytes",
      { memorySize: 256 },
      { resources: { requests: { memory: "256Mi" }, limits: { memory: "256Mi" } } },
    ],
    ["timeout in seconds", { timeout: 30 }, { timeoutSeconds: 30 }],
    [
      "scaling with containerConcurrency",
      {
        scaling: {
          minReplicas: 0,
          maxReplicas: 5,
          metric: "rps",
          target: 50,
          containerConcurrency: 10,
        },
      },
      {
        replicas: 1,
        scaling: { minReplicas: 0, maxReplicas: 5, metric: "rps", target: 50 },
        containerConcurrency: 10,
      },
    ],
    [
      "AWS maximumRetryAttempts as a retry policy",
      { maximumRetryAttempts: 2 },
      { retry: { maxAttempts: 3, backoff: DEFAULT_RETRY_BACKOFF } },
    ],
    [
      "EventFlow's own retry policy",
      { retry: { maxAttempts: 5, backoff: { initialMs: 10, maxMs: 100, multiplier: 3 } } },
      { retry: { maxAttempts: 5, backoff: { initialMs: 10, maxMs: 100, multiplier: 3 } } },
    ],
  ])("%s", (_title, fields, spec) => {
    const extra = _title.startsWith("environment")
      ? { environment: { A: "p", B: "provider" } }
      : {};
    const { fn } = only({ hello: { handler: "src/hello.default", ...fields } }, extra);
    expect(fn.name).toBe("shop-dev-hello");
    expect(fn.handler).toEqual({ file: "src/hello", exportName: "default" });
    expect(fn.spec).toEqual(spec);
  });

  it("takes the provider's memorySize and timeout as defaults", () => {
    const { fn } = only(
      { a: { handler: "a.default", timeout: 5 } },
      { memorySize: 128, timeout: 9 },
    );
    expect(fn.spec.timeoutSeconds).toBe(5);
    expect(fn.spec.resources).toEqual({
      requests: { memory: "128Mi" },
      limits: { memory: "128Mi" },
    });
  });

  it("names images REGISTRY/NAME unless image.repository says otherwise", () => {
    const mapped = buildServiceSpecs(
      service(
        {
          a: { handler: "a.default" },
          b: {
            handler: "b.default",
            name: "bee",
            image: { repository: "r:5000/x", base: "oci:/b" },
          },
        },
        { registry: "127.0.0.1:5000/team/", base: "scratch" },
      ),
    );
    expect(mapped.functions.map((f) => [f.name, f.repository, f.base])).toEqual([
      ["shop-dev-a", "127.0.0.1:5000/team/shop-dev-a", "scratch"],
      ["bee", "r:5000/x", "oci:/b"],
    ]);
  });
});

describe("buildServiceSpecs: package.patterns", () => {
  it("takes the service's patterns, then the function's", () => {
    const mapped = buildServiceSpecs({
      ...service({
        a: { handler: "a.default", package: { patterns: ["data/**", "!data/*.tmp"] } },
      }),
      package: { patterns: ["static/**"], individually: true },
    });
    expect(mapped.functions[0]?.patterns).toEqual(["static/**", "data/**", "!data/*.tmp"]);
    expect(mapped.warnings).toEqual([]);
  });

  // serverless.yml is the user's, but a path out of the service directory would ship any file
  // of the machine (a copied service, a generated config) in the image.
  it("refuses handlers and patterns outside the service directory", () => {
    const error = failure({
      ...service({
        a: { handler: "../../etc/passwd.default" },
        b: { handler: "/etc/hosts.default", package: { patterns: ["!../x", "ok/**"] } },
      }),
      package: { patterns: ["../secrets/**"] },
    });
    expect(paths(error)).toEqual([
      "package.patterns.0",
      "functions.a.handler",
      "functions.b.handler",
      "functions.b.package.patterns.0",
    ]);
  });
});

describe("buildServiceSpecs: events", () => {
  it.each<[string, unknown[], Record<string, unknown>]>([
    ["http as a catch-all path", [{ http: { path: "/{proxy+}", method: "any" } }], {}],
    ["http as a string", [{ http: "ANY /" }], {}],
    [
      "http public with CORS",
      [{ http: { auth: "public", cors: true } }],
      { auth: "public", cors: { allowOrigins: ["*"] } },
    ],
    [
      "schedule rate",
      [{ schedule: "rate(5 minutes)" }],
      { triggers: [{ type: "schedule", cron: "*/5 * * * *" }] },
    ],
    [
      "schedule object with AWS cron and input",
      [{ schedule: { rate: ["cron(0 12 ? * 2 *)"], input: { kind: "report", n: 1 } } }],
      { triggers: [{ type: "schedule", cron: "0 12 * * 1", data: { kind: "report", n: "1" } }] },
    ],
    ["disabled schedule", [{ schedule: { rate: "rate(1 day)", enabled: false } }], {}],
    [
      "nats",
      [{ nats: { subject: "orders.created", queue: "workers" } }],
      { triggers: [{ type: "nats", subject: "orders.created", queue: "workers" }] },
    ],
  ])("%s", (_title, events, spec) => {
    const { fn, warnings } = only({ hello: { handler: "h.default", events } });
    expect(fn.spec).toEqual(spec);
    expect(warnings).toEqual([]);
  });
});

describe("buildServiceSpecs: what EventFlow does not do", () => {
  it("warns about every AWS-only key, naming it", () => {
    const { warnings } = only(
      {
        hello: {
          handler: "h.default",
          role: "arn:aws:iam::1:role/x",
          layers: ["arn"],
          events: [
            { sqs: "arn:aws:sqs:q" },
            { schedule: { rate: "rate(7 minutes)", inputPath: "$" } },
          ],
        },
      },
      { runtime: "nodejs20.x", region: "eu-west-1" },
    );
    expect(warnings.map((w) => w.split(":")[0])).toEqual([
      "provider.runtime",
      "provider.region",
      "functions.hello.role",
      "functions.hello.layers",
      "functions.hello.events.0.sqs",
      "functions.hello.events.1.schedule.inputPath",
      "functions.hello.events.1.schedule.rate",
    ]);
  });

  it("reports every bad key at once", () => {
    const error = failure(
      service({
        a: { handler: "a.default", memorySize: "big", timeout: 0 },
        b: { handler: "b.someExport", events: [{ http: { path: "/orders", method: "post" } }] },
        c: { handler: "c.default", scaling: { minReplicas: 3, maxReplicas: 1 } },
        e: {
          handler: "e.default",
          events: [{ schedule: "cron(0 12 * * ? 2030)" }, { nats: { subject: "has space" } }],
        },
        "a-very-long-function-key-that-is-too-long": { handler: "d.default" },
      }),
    );
    expect(paths(error)).toEqual([
      "functions.a.memorySize",
      "functions.a.timeout",
      "functions.b.handler",
      "functions.b.events.0.http.method",
      "functions.b.events.0.http.path",
      "functions.c.scaling.minReplicas",
      "functions.e.events.0.schedule",
      // The spec's own schema checks the subject once the events are triggers.
      "functions.e.triggers.0.subject",
      "functions.a-very-long-function-key-that-is-too-long.name",
    ]);
  });

  it("refuses a provider that is not eventflow", () => {
    const error = failure({ ...service({}), provider: { name: "aws" } });
    expect(paths(error)).toEqual(["provider.name"]);
  });

  it("never quotes environment values in errors, even those the spec's schema refuses", () => {
    // A value over 32 KiB passes serverless.yml's schema and fails the spec's (`env.BIG`).
    const big = `s3cret-${"x".repeat(33 * 1024)}`;
    const error = failure(service({ a: { handler: "a.default", environment: { BIG: big } } }));
    expect(paths(error)).toEqual(["functions.a.env.BIG"]);
    expect(JSON.stringify(error.details)).not.toContain("s3cret");
  });

  it("never quotes environment values in errors", () => {
    const error = failure(
      service({ a: { handler: "a.default", environment: { "BAD KEY": "s3cret" } } }),
    );
    expect(JSON.stringify(error.details)).not.toContain("s3cret");
  });
});
