import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  buildFunctionEvents,
  isFunctionEvent,
  podStatusEvents,
  toFunctionEvent,
} from "../../src/drivers/kubernetes/function-events.js";

const at = new Date("2026-12-06T08:00:00Z");

function event(
  kind: string,
  name: string,
  reason: string,
  message: string,
  extra: Partial<CoreV1Event> = {},
): CoreV1Event {
  return {
    metadata: { name: `${name}.1`, namespace: "eventflow-acme" },
    involvedObject: { kind, name, namespace: "eventflow-acme" },
    reason,
    message,
    type: "Normal",
    lastTimestamp: at,
    ...extra,
  };
}

describe("isFunctionEvent", () => {
  it.each([
    ["Function", "hello", true],
    ["Deployment", "hello", true],
    ["HorizontalPodAutoscaler", "hello", true],
    ["Deployment", "hello-world", false],
    ["ReplicaSet", "hello-7d9f8b6c5d", true],
    ["ReplicaSet", "hello-world-7d9f8b6c5d", false],
    ["Pod", "hello-7d9f8b6c5d-x2x4z", true],
    ["Pod", "hello-world-7d9f8b6c5d-x2x4z", false],
    ["Pod", "hellos-7d9f8b6c5d-x2x4z", false],
    ["ConfigMap", "hello", false],
  ])("%s %s: %s", (kind, name, expected) => {
    expect(isFunctionEvent("hello", { kind, name })).toBe(expected);
  });

  it("claims a pod it knows by name whatever its form", () => {
    expect(isFunctionEvent("hello", { kind: "Pod", name: "hello-x" }, new Set(["hello-x"]))).toBe(
      true,
    );
  });
});

describe("toFunctionEvent", () => {
  it.each<[string, CoreV1Event, object | undefined]>([
    [
      "crash loop back-off",
      event(
        "Pod",
        "hello-abc123-x2x4z",
        "BackOff",
        "Back-off restarting failed container function",
        { type: "Warning", count: 7 },
      ),
      { type: "crashed", reason: "CrashLoopBackOff", replica: "hello-abc123-x2x4z", count: 7 },
    ],
    [
      "image pull back-off",
      event("Pod", "hello-abc123-x2x4z", "BackOff", 'Back-off pulling image "reg/hello:v2"', {
        type: "Warning",
      }),
      { type: "failed", reason: "ImagePullBackOff" },
    ],
    [
      "image pull failure",
      event(
        "Pod",
        "hello-abc123-x2x4z",
        "Failed",
        'Failed to pull image "reg/hello:v2": not found',
        { type: "Warning" },
      ),
      { type: "failed", reason: "ImagePullFailed" },
    ],
    [
      "a container that cannot be created",
      event("Pod", "hello-abc123-x2x4z", "Failed", 'Error: secret "db" not found', {
        type: "Warning",
      }),
      { type: "failed", reason: "Failed", message: 'Error: secret "db" not found' },
    ],
    [
      "OOM kill",
      event("Pod", "hello-abc123-x2x4z", "OOMKilling", "Memory cgroup out of memory", {
        type: "Warning",
      }),
      { type: "crashed", reason: "OOMKilled" },
    ],
    [
      "probe failure",
      event("Pod", "hello-abc123-x2x4z", "Unhealthy", "Readiness probe failed", {
        type: "Warning",
      }),
      { type: "failed", reason: "Unhealthy" },
    ],
    [
      "deployment scale with from",
      event(
        "Deployment",
        "hello",
        "ScalingReplicaSet",
        "Scaled up replica set hello-abc123 from 1 to 3",
      ),
      { type: "scaled", reason: "ScalingReplicaSet", from: 1, to: 3 },
    ],
    [
      "deployment scale without from",
      event(
        "Deployment",
        "hello",
        "ScalingReplicaSet",
        "Scaled down replica set hello-abc123 to 0",
      ),
      { type: "scaled", to: 0 },
    ],
    [
      "HPA rescale",
      event(
        "HorizontalPodAutoscaler",
        "hello",
        "SuccessfulRescale",
        "New size: 4; reason: cpu resource utilization (percentage of request) above target",
      ),
      { type: "scaled", reason: "Autoscaled", to: 4, by: "autoscaler" },
    ],
    [
      "quota refusing a pod",
      event("ReplicaSet", "hello-abc123", "FailedCreate", "exceeded quota: q", { type: "Warning" }),
      { type: "failed", reason: "FailedCreate" },
    ],
    [
      "noise: pulled",
      event("Pod", "hello-abc123-x2x4z", "Pulled", "Successfully pulled image"),
      undefined,
    ],
    [
      "noise: replica set created a pod",
      event("ReplicaSet", "hello-abc123", "SuccessfulCreate", "Created pod"),
      undefined,
    ],
  ])("%s", (_name, input, expected) => {
    const out = toFunctionEvent(input);
    if (expected === undefined) expect(out).toBeUndefined();
    else expect(out).toMatchObject({ time: at.toISOString(), ...expected });
  });

  it("takes the series' last time and count when the event is a series", () => {
    const out = toFunctionEvent(
      event("Pod", "hello-abc123-x2x4z", "BackOff", "Back-off restarting failed container", {
        lastTimestamp: undefined,
        eventTime: new Date("2026-12-06T07:00:00Z"),
        series: { count: 12, lastObservedTime: new Date("2026-12-06T07:30:00Z") },
      }),
    );
    expect(out).toMatchObject({ time: "2026-12-06T07:30:00.000Z", count: 12 });
  });
});

describe("podStatusEvents", () => {
  const pod = (status: V1Pod["status"]): V1Pod => ({
    metadata: { name: "hello-abc123-x2x4z" },
    status,
  });

  it("reports the last exit with its code and reason, and readiness", () => {
    const out = podStatusEvents([
      pod({
        conditions: [{ type: "Ready", status: "True", lastTransitionTime: at }],
        containerStatuses: [
          {
            name: "function",
            image: "x",
            imageID: "",
            ready: true,
            restartCount: 2,
            lastState: {
              terminated: {
                exitCode: 137,
                reason: "OOMKilled",
                finishedAt: new Date("2026-12-06T07:59:00Z"),
              },
            },
          },
        ],
      }),
    ]);
    expect(out).toEqual([
      {
        time: at.toISOString(),
        type: "ready",
        reason: "Ready",
        message: "replica hello-abc123-x2x4z is ready",
        replica: "hello-abc123-x2x4z",
      },
      {
        time: "2026-12-06T07:59:00.000Z",
        type: "crashed",
        reason: "OOMKilled",
        message: "replica hello-abc123-x2x4z exited with code 137",
        replica: "hello-abc123-x2x4z",
        count: 2,
        exit_code: 137,
      },
    ]);
  });

  it("says nothing of a pod not ready that never exited", () => {
    expect(podStatusEvents([pod({ conditions: [{ type: "Ready", status: "False" }] })])).toEqual(
      [],
    );
  });
});

describe("buildFunctionEvents", () => {
  it("keeps the function's events, newest first, and leaves out another function's", () => {
    const out = buildFunctionEvents({
      name: "hello",
      pods: [],
      events: [
        event("Deployment", "hello", "ScalingReplicaSet", "Scaled up replica set hello-abc to 2", {
          lastTimestamp: new Date("2026-12-06T07:00:00Z"),
        }),
        event(
          "Deployment",
          "hello-world",
          "ScalingReplicaSet",
          "Scaled up replica set hello-world-abc to 2",
        ),
        event("Pod", "hello-abc-x2x4z", "BackOff", "Back-off restarting failed container", {
          type: "Warning",
        }),
      ],
    });
    expect(out.map((e) => [e.type, e.time])).toEqual([
      ["crashed", at.toISOString()],
      ["scaled", "2026-12-06T07:00:00.000Z"],
    ]);
  });
});
