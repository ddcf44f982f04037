import { describe, expect, it } from "vitest";
import {
  buildFunctionSpecSchema,
  DEFAULT_FUNCTION_SPEC_LIMITS,
} from "../src/function-spec/index.js";
import { resolveScaling } from "../src/function-spec/scaling.js";

const schema = buildFunctionSpecSchema(DEFAULT_FUNCTION_SPEC_LIMITS);
const image = "registry.example/hello:1";

describe("resolveScaling", () => {
  it.each([
    [
      "no scaling: manual",
      { replicas: 2 },
      { mode: "manual", replicas: 2, containerConcurrency: 0 },
    ],
    [
      "bounds only: concurrency 100, to zero after 60 s",
      { replicas: 1, scaling: { minReplicas: 0, maxReplicas: 10 } },
      {
        mode: "request",
        metric: "concurrency",
        target: 100,
        minReplicas: 0,
        maxReplicas: 10,
        scaleToZeroAfterSeconds: 60,
        scaleDownDelaySeconds: 0,
      },
    ],
    [
      "a container concurrency below 100 is the default target",
      { replicas: 1, containerConcurrency: 20, scaling: { minReplicas: 0, maxReplicas: 10 } },
      { mode: "request", target: 20, containerConcurrency: 20 },
    ],
    [
      "rps defaults to 200 per replica",
      { replicas: 1, scaling: { metric: "rps" as const, minReplicas: 1, maxReplicas: 3 } },
      { mode: "request", metric: "rps", target: 200 },
    ],
    [
      "the earlier utilisation fields mean the HPA",
      { replicas: 1, scaling: { minReplicas: 0, maxReplicas: 3, targetCPUUtilization: 70 } },
      { mode: "resource", minReplicas: 1, maxReplicas: 3, cpu: 70 },
    ],
    [
      "metric memory with a target",
      {
        replicas: 1,
        scaling: { metric: "memory" as const, target: 60, minReplicas: 2, maxReplicas: 4 },
      },
      { mode: "resource", memory: 60, minReplicas: 2 },
    ],
  ])("%s", (_name, input, want) => {
    expect(resolveScaling(input)).toMatchObject(want);
  });
});

describe("the scaling schema", () => {
  const parse = (scaling: unknown, extra: object = {}) =>
    schema.safeParse({ image, scaling, ...extra });
  const paths = (r: ReturnType<typeof parse>) =>
    r.success ? [] : r.error.issues.map((i) => i.path.join("."));

  it("accepts a request-driven spec with every field", () => {
    const r = parse(
      {
        metric: "concurrency",
        target: 10,
        minReplicas: 0,
        maxReplicas: 5,
        scaleToZeroAfterSeconds: 30,
        scaleDownDelaySeconds: 10,
      },
      { containerConcurrency: 20 },
    );
    expect(r.success).toBe(true);
  });
  it.each([
    [{ metric: "cpu", minReplicas: 0, maxReplicas: 2 }, "scaling.minReplicas"],
    [{ metric: "cpu", target: 150, minReplicas: 1, maxReplicas: 2 }, "scaling.target"],
    [{ metric: "rps", targetCPUUtilization: 50, minReplicas: 1, maxReplicas: 2 }, "scaling.metric"],
    [{ metric: "latency", minReplicas: 1, maxReplicas: 2 }, "scaling.metric"],
    [{ target: 0, minReplicas: 1, maxReplicas: 2 }, "scaling.target"],
    [
      { minReplicas: 0, maxReplicas: 2, scaleToZeroAfterSeconds: -1 },
      "scaling.scaleToZeroAfterSeconds",
    ],
  ])("refuses %j at %s", (scaling, path) => {
    expect(paths(parse(scaling))).toContain(path);
  });
  it("refuses a negative container concurrency", () => {
    expect(paths(parse(undefined, { containerConcurrency: -1 }))).toContain("containerConcurrency");
  });
});
