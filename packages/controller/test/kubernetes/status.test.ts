import {
  ApiException,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Pod,
} from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import type { FunctionSpec } from "../../src/drivers/driver.js";
import {
  buildKubernetesStatus,
  endpointsFromSlices,
  fromKubernetesError,
} from "../../src/drivers/kubernetes/index.js";
import { logId, parseTimestampedLine } from "../../src/drivers/kubernetes/pod-logs.js";

const NOW = "2026-01-01T00:00:00.000Z";
const spec: FunctionSpec = { tenant: "t", name: "f", image: "img:1", replicas: 2 };

function deployment(
  status: NonNullable<V1Deployment["status"]>,
  opts: { replicas?: number; generation?: number } = {},
): V1Deployment {
  return {
    metadata: {
      name: "f",
      generation: opts.generation ?? 1,
      creationTimestamp: new Date(NOW),
      annotations: { "eventflow.dev/spec": JSON.stringify(spec) },
    },
    spec: { replicas: opts.replicas ?? 2, selector: {}, template: {} },
    status: { observedGeneration: 1, ...status },
  };
}

const waiting = (reason: string): V1Pod => ({
  metadata: { name: "p" },
  status: {
    containerStatuses: [
      {
        name: "function",
        image: "img",
        imageID: "",
        ready: false,
        restartCount: 3,
        state: { waiting: { reason } },
        lastState: { terminated: { exitCode: 1 } as never },
      },
    ],
  },
});
const unschedulable: V1Pod = {
  metadata: { name: "p" },
  status: {
    conditions: [
      { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes" },
    ],
  },
};
const running: V1Pod = { metadata: { name: "p" }, status: { phase: "Running" } };
/** A running pod whose container was restarted after it exited (killed: 137). */
const restarted = (name: string, restarts: number, finishedAt: string, exitCode = 137): V1Pod => ({
  metadata: { name },
  status: {
    phase: "Running",
    containerStatuses: [
      {
        name: "function",
        image: "img",
        imageID: "",
        ready: true,
        restartCount: restarts,
        state: { running: {} },
        lastState: { terminated: { exitCode, reason: "Error", finishedAt: new Date(finishedAt) } },
      },
    ],
  },
});

describe("buildKubernetesStatus", () => {
  it.each<[string, V1Deployment, V1Pod[], string, string | undefined]>([
    ["no pods yet", deployment({}), [], "Pending", undefined],
    [
      "all ready",
      deployment({ replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      [running, running],
      "Running",
      undefined,
    ],
    [
      "rolling: old pods left",
      deployment({ replicas: 3, readyReplicas: 2, updatedReplicas: 1 }),
      [running],
      "Deploying",
      undefined,
    ],
    [
      "not observed yet",
      deployment({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 }, { generation: 2 }),
      [running],
      "Deploying",
      undefined,
    ],
    [
      "one of two ready",
      deployment({ replicas: 2, readyReplicas: 1, updatedReplicas: 2 }),
      [running],
      "Degraded",
      undefined,
    ],
    ["scaled to zero", deployment({ replicas: 0 }, { replicas: 0 }), [], "ScaledToZero", undefined],
    [
      "image pull failure",
      deployment({ replicas: 2, updatedReplicas: 2 }),
      [waiting("ImagePullBackOff")],
      "Failed",
      "FUNCTION_IMAGE_NOT_FOUND",
    ],
    [
      "crash loop, none ready",
      deployment({ replicas: 2, updatedReplicas: 2 }),
      [waiting("CrashLoopBackOff")],
      "Failed",
      "FUNCTION_CRASH_LOOP",
    ],
    [
      "crash loop, one ready",
      deployment({ replicas: 2, readyReplicas: 1, updatedReplicas: 2 }),
      [running, waiting("CrashLoopBackOff")],
      "Degraded",
      "FUNCTION_CRASH_LOOP",
    ],
    [
      "all ready, one container restarted: shown, phase unchanged",
      deployment({ replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      [running, restarted("p-1", 1, NOW)],
      "Running",
      "FUNCTION_REPLICA_RESTARTED",
    ],
    [
      "crash loop wins over a restart elsewhere",
      deployment({ replicas: 2, readyReplicas: 1, updatedReplicas: 2 }),
      [restarted("p-1", 1, NOW), waiting("CrashLoopBackOff")],
      "Degraded",
      "FUNCTION_CRASH_LOOP",
    ],
    [
      "a restarted pod being deleted is not shown",
      deployment(
        { replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
        { replicas: 1 },
      ),
      [
        running,
        {
          ...restarted("p-old", 1, NOW),
          metadata: { name: "p-old", deletionTimestamp: new Date(NOW) },
        },
      ],
      "Running",
      undefined,
    ],
    [
      "an env secret deleted while the function uses it",
      deployment({ replicas: 2, updatedReplicas: 2 }),
      [
        {
          ...waiting("CreateContainerConfigError"),
          status: {
            containerStatuses: [
              {
                ...waiting("CreateContainerConfigError").status!.containerStatuses![0]!,
                state: {
                  waiting: {
                    reason: "CreateContainerConfigError",
                    message: 'secret "eventflow-secret.t.db" not found',
                  },
                },
              },
            ],
          },
        },
      ],
      "Failed",
      "FUNCTION_SECRET_MISSING",
    ],
    [
      "another container config error is not a missing secret",
      deployment({ replicas: 2, updatedReplicas: 2 }),
      [waiting("CreateContainerConfigError")],
      "Deploying",
      "FUNCTION_REPLICA_RESTARTED",
    ],
    [
      "unschedulable",
      deployment({ replicas: 2, updatedReplicas: 2 }),
      [unschedulable],
      "Pending",
      "FUNCTION_UNSCHEDULABLE",
    ],
    [
      "quota exceeded",
      deployment({
        conditions: [
          {
            type: "ReplicaFailure",
            status: "True",
            reason: "FailedCreate",
            message: 'pods "x" is forbidden: exceeded quota: q',
          },
        ],
      }),
      [],
      "Failed",
      "KUBERNETES_QUOTA_EXCEEDED",
    ],
    [
      "progress deadline exceeded",
      deployment({
        replicas: 2,
        updatedReplicas: 2,
        conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }],
      }),
      [running],
      "Failed",
      "FUNCTION_NOT_READY",
    ],
  ])("%s -> %s", (_t, d, pods, phase, code) => {
    const s = buildKubernetesStatus(d, pods, NOW)!;
    expect(s.status).toBe(phase);
    expect(s.last_error?.code).toBe(code);
    expect(s.spec).toEqual(spec);
    expect(s.created_at).toBe(NOW);
  });

  it("a crash loop names the last exit code", () => {
    const s = buildKubernetesStatus(deployment({}), [waiting("CrashLoopBackOff")], NOW)!;
    expect(s.last_error?.message).toContain("exit code 1");
  });

  // What the kubelet keeps as the termination message of a Node program that threw at start
  // (FallbackToLogsOnError: the log's tail): the reason is the error line, not the footer.
  const NODE_CRASH = [
    "file:///app/index.mjs:12",
    '    throw new Error("DATABASE_URL is not set");',
    "    ^",
    "",
    "Error: DATABASE_URL is not set",
    "    at file:///app/src/index.ts:3:11",
    "    at ModuleJob.run (node:internal/modules/esm/module_job:343:25)",
    "",
    "Node.js v24.11.0",
    "",
  ].join("\n");
  const withMessage = (pod: V1Pod): V1Pod => {
    const cs = pod.status!.containerStatuses![0]!;
    cs.lastState = { terminated: { ...cs.lastState!.terminated!, message: NODE_CRASH } };
    return pod;
  };

  it("a crash loop and a restart name the error line of the container's last log lines", () => {
    const loop = buildKubernetesStatus(
      deployment({}),
      [withMessage(waiting("CrashLoopBackOff"))],
      NOW,
    )!;
    expect(loop.last_error?.message).toBe(
      "CrashLoopBackOff (last exit code 1): Error: DATABASE_URL is not set",
    );
    const restart = buildKubernetesStatus(
      deployment({ replicas: 1, readyReplicas: 1, updatedReplicas: 1 }, { replicas: 1 }),
      [withMessage(restarted("f-a", 2, NOW, 1))],
      NOW,
    )!;
    expect(restart.last_error?.message).toBe(
      "replica f-a restarted 2 times; last exit code 1 (Error): Error: DATABASE_URL is not set",
    );
  });

  it("a restart names the replica, the restart count and the last exit code, at its end", () => {
    const s = buildKubernetesStatus(
      deployment({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 }),
      [
        restarted("f-a", 1, "2026-01-01T00:00:05.000Z"),
        restarted("f-b", 3, "2026-01-01T00:00:09.000Z", 1),
      ],
      NOW,
    )!;
    // The most recent restart of the two.
    expect(s.last_error).toEqual({
      code: "FUNCTION_REPLICA_RESTARTED",
      message: "replica f-b restarted 3 times; last exit code 1 (Error)",
      at: "2026-01-01T00:00:09.000Z",
    });
    const one = buildKubernetesStatus(deployment({}), [restarted("f-a", 1, NOW)], NOW)!;
    expect(one.last_error?.message).toBe(
      "replica f-a restarted 1 time; last exit code 137 (Error)",
    );
  });

  it("objects without the spec annotation are not functions", () => {
    expect(buildKubernetesStatus({ metadata: { name: "x" } }, [], NOW)).toBeUndefined();
  });
});

describe("endpointsFromSlices", () => {
  const slice = (
    endpoints: V1EndpointSlice["endpoints"],
    addressType = "IPv4",
  ): V1EndpointSlice => ({
    addressType,
    endpoints,
    ports: [{ name: "http", port: 8080 }],
  });
  it.each<[string, V1EndpointSlice[], string[]]>([
    [
      "ready endpoints only, sorted by pod",
      [
        slice([
          { addresses: ["10.244.1.3"], conditions: { ready: true }, targetRef: { name: "f-b" } },
          { addresses: ["10.244.1.2"], conditions: { ready: true }, targetRef: { name: "f-a" } },
          { addresses: ["10.244.1.4"], conditions: { ready: false }, targetRef: { name: "f-c" } },
          {
            addresses: ["10.244.1.5"],
            conditions: { ready: true, terminating: true },
            targetRef: { name: "f-d" },
          },
        ]),
      ],
      ["f-a=http://10.244.1.2:8080", "f-b=http://10.244.1.3:8080"],
    ],
    [
      "IPv6 in brackets",
      [
        slice(
          [{ addresses: ["fd00::1"], conditions: { ready: true }, targetRef: { name: "p" } }],
          "IPv6",
        ),
      ],
      ["p=http://[fd00::1]:8080"],
    ],
    [
      "duplicates across slices once",
      [
        slice([{ addresses: ["10.0.0.1"], targetRef: { name: "p" } }]),
        slice([{ addresses: ["10.0.0.1"], targetRef: { name: "p" } }]),
      ],
      ["p=http://10.0.0.1:8080"],
    ],
    ["no slices", [], []],
  ])("%s", (_t, slices, expected) => {
    expect(endpointsFromSlices(slices).map((e) => `${e.replica}=${e.url}`)).toEqual(expected);
  });
});

describe("fromKubernetesError (the one mapping of client errors)", () => {
  const api = (code: number, body: object) => new ApiException(code, "x", JSON.stringify(body), {});
  it.each<[string, unknown, string | undefined, string]>([
    ["404 of a function", api(404, { reason: "NotFound" }), "t/f", "FUNCTION_NOT_FOUND"],
    ["409 AlreadyExists", api(409, { reason: "AlreadyExists" }), "t/f", "FUNCTION_ALREADY_EXISTS"],
    ["409 Conflict", api(409, { reason: "Conflict" }), "t/f", "KUBERNETES_CONFLICT"],
    [
      "403 Forbidden",
      api(403, { reason: "Forbidden", message: "cannot patch" }),
      "t/f",
      "KUBERNETES_FORBIDDEN",
    ],
    [
      "403 quota",
      api(403, { reason: "Forbidden", message: "exceeded quota: q" }),
      "t/f",
      "KUBERNETES_QUOTA_EXCEEDED",
    ],
    [
      "422 Invalid",
      api(422, {
        reason: "Invalid",
        details: { causes: [{ field: "spec.x", reason: "FieldValueInvalid" }] },
      }),
      "t/f",
      "KUBERNETES_INVALID",
    ],
    ["503", api(503, {}), undefined, "KUBERNETES_UNREACHABLE"],
    ["429", api(429, {}), undefined, "KUBERNETES_UNREACHABLE"],
    [
      "connection refused",
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
      }),
      undefined,
      "KUBERNETES_UNREACHABLE",
    ],
    ["a bug stays internal", new RangeError("boom"), undefined, "INTERNAL"],
  ])("%s -> %s", (_t, error, fn, code) => {
    const e = fromKubernetesError(error, { action: "test", ...(fn ? { function: fn } : {}) });
    expect(e).toBeInstanceOf(EventFlowError);
    expect(e.code).toBe(code);
  });

  it("422 carries the API server's field causes", () => {
    const e = fromKubernetesError(
      api(422, {
        reason: "Invalid",
        details: {
          causes: [{ field: "spec.template", reason: "FieldValueRequired", message: "m" }],
        },
      }),
      { action: "apply" },
    );
    expect(e.details).toEqual([
      { field: "spec.template", reason: "FieldValueRequired", message: "m" },
    ]);
    expect(e.status).toBe(422);
  });
});

describe("log lines", () => {
  it.each([
    [
      "2026-01-02T03:04:05.123456789Z hello world",
      "2026-01-02T03:04:05.123456789Z",
      "hello world",
      1767323045123456789n,
    ],
    ["2026-01-02T03:04:05Z x", "2026-01-02T03:04:05Z", "x", 1767323045000000000n],
    ["2026-01-02T03:04:05.5Z y", "2026-01-02T03:04:05.5Z", "y", 1767323045500000000n],
  ])("%s", (raw, ts, line, nanos) => {
    expect(parseTimestampedLine(raw)).toEqual({ timestamp: ts, line, nanos });
  });
  it("a line without a timestamp keeps its text", () => {
    expect(parseTimestampedLine("no timestamp").line).toBe("no timestamp");
  });
  it("ids sort by time before pod names", () => {
    expect(logId(2n, "a", 0) < logId(10n, "a", 0)).toBe(true);
    expect(logId(5n, "a", 9) < logId(5n, "b", 0)).toBe(true);
  });
});
