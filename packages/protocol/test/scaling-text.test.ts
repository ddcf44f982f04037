import { describe, expect, it } from "vitest";
import { describeAutoscaler, describeScaling } from "../src/function-spec/scaling-text.js";
import { resolveScaling, type ScalingInput } from "../src/function-spec/scaling.js";

describe("describeScaling", () => {
  it.each<[string, ScalingInput, string, string]>([
    ["manual", { replicas: 2 }, "Manual, 2 replicas", "manual"],
    [
      "manual with a limit",
      { replicas: 1, containerConcurrency: 4 },
      "Manual, 1 replica, at most 4 requests at once per replica",
      "manual",
    ],
    [
      "concurrency to zero",
      {
        replicas: 1,
        scaling: { metric: "concurrency", target: 10, minReplicas: 0, maxReplicas: 10 },
      },
      "Concurrency 10 per replica, 0-10 replicas, to zero after 60 s",
      "concurrency 10, 0-10",
    ],
    [
      "rps with a floor, delay and limit",
      {
        replicas: 1,
        containerConcurrency: 50,
        scaling: {
          metric: "rps",
          target: 25,
          minReplicas: 2,
          maxReplicas: 8,
          scaleDownDelaySeconds: 30,
        },
      },
      "25 requests/s per replica, 2-8 replicas, scale-down delay 30 s, at most 50 requests at once per replica",
      "rps 25, 2-8",
    ],
    [
      "cpu (HPA)",
      { replicas: 1, scaling: { metric: "cpu", target: 70, minReplicas: 1, maxReplicas: 5 } },
      "CPU 70 % utilisation (HPA), 1-5 replicas",
      "cpu 70%, 1-5",
    ],
  ])("%s", (_name, spec, sentence, compact) => {
    const s = resolveScaling(spec);
    expect(describeScaling(s)).toBe(sentence);
    expect(describeScaling(s, { compact: true })).toBe(compact);
  });
});

describe("describeAutoscaler", () => {
  it.each([
    [undefined, ""],
    [{ desired_replicas: 0, observed: 0, panic: false, queued: 0 }, "0 desired, 0 observed"],
    [
      { desired_replicas: 7, observed: 41.537, panic: true, queued: 3 },
      "7 desired, 41.5 observed, panic, 3 queued",
    ],
  ])("%j reads %j", (status, text) => {
    expect(describeAutoscaler(status)).toBe(text);
  });
});
