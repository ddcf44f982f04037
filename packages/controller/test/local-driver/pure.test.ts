import { describe, expect, it } from "vitest";
import { toAppPath } from "../../src/drivers/local/app-cache.js";
import { backoffDelay, DEFAULT_RESTART_BACKOFF } from "../../src/drivers/local/backoff.js";
import { isRecordAlive, processStartTicks } from "../../src/drivers/local/pid-files.js";
import { buildReplicaEnv } from "../../src/drivers/local/replica-env.js";
import { buildFunctionStatus, type SupervisorSnapshot } from "../../src/drivers/local/status.js";

describe("backoffDelay", () => {
  const policy = { ...DEFAULT_RESTART_BACKOFF, initialMs: 100, factor: 2, maxMs: 1000 };
  it.each([
    [0, 100],
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [20, 1000],
  ])("crash %i waits %i ms", (crashes, ms) => {
    expect(backoffDelay(policy, crashes)).toBe(ms);
  });
});

describe("toAppPath", () => {
  it.each([
    ["app/index.mjs", "app/index.mjs"],
    ["./app/index.mjs", "app/index.mjs"],
    ["/app/lib/x.js", "app/lib/x.js"],
    ["app", "app"],
    ["etc/passwd", undefined],
    ["application/x", undefined],
    ["app/../etc/passwd", undefined],
    ["../app/x", undefined],
  ])("%s -> %s", (entry, expected) => {
    expect(toAppPath(entry)).toBe(expected);
  });
});

describe("buildReplicaEnv", () => {
  it("layers image env, spec env and the runtime contract, dropping the image PATH", () => {
    const env = buildReplicaEnv({
      imageEnv: ["PATH=/usr/local/bin", "NODE_ENV=production", "A=image", "BROKEN"],
      specEnv: { A: "spec", PORT: "1", EVENTFLOW_SHUTDOWN_DELAY_MS: "500" },
      functionName: "hello",
      timeoutSeconds: 2.5,
      hostPath: "/host/bin",
      port: 4321,
    });
    expect(env).toEqual({
      PATH: "/host/bin",
      NODE_ENV: "production",
      A: "spec",
      EVENTFLOW_SHUTDOWN_DELAY_MS: "500",
      PORT: "4321",
      EVENTFLOW_HOST: "127.0.0.1",
      EVENTFLOW_FUNCTION_NAME: "hello",
      EVENTFLOW_TIMEOUT_MS: "2500",
    });
  });
  it("passes nothing of the controller's own environment", () => {
    const env = buildReplicaEnv({ imageEnv: [], functionName: "f", port: 1 });
    expect(Object.keys(env).sort()).toEqual([
      "EVENTFLOW_FUNCTION_NAME",
      "EVENTFLOW_HOST",
      "EVENTFLOW_SHUTDOWN_DELAY_MS",
      "PORT",
    ]);
  });
});

describe("buildFunctionStatus", () => {
  const base: SupervisorSnapshot = {
    spec: { tenant: "t", name: "f", image: "oci:/x", replicas: 2 },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    generation: 2,
    slots: [],
    crashLooping: false,
    imageError: false,
    resolving: false,
    warm: false,
    everReady: false,
  };
  const ready = (generation = 2) => ({ generation, state: "ready" as const });
  it.each<[string, Partial<SupervisorSnapshot>, string, number]>([
    ["all ready", { slots: [ready(), ready()], everReady: true }, "Running", 2],
    ["starting", { slots: [{ generation: 2, state: "starting" }] }, "Deploying", 0],
    [
      "lost one",
      { slots: [ready(), { generation: 2, state: "backoff" }], everReady: true },
      "Degraded",
      1,
    ],
    ["rolling", { slots: [ready(1), ready(1), ready()], everReady: true }, "Deploying", 3],
    [
      "crash loop, one serves",
      { slots: [ready(1), { generation: 2, state: "backoff" }], crashLooping: true },
      "Degraded",
      1,
    ],
    [
      "crash loop, none serves",
      { slots: [{ generation: 2, state: "backoff" }], crashLooping: true },
      "Failed",
      0,
    ],
    ["image gone", { imageError: true }, "Failed", 0],
    ["restoring", { resolving: true }, "Pending", 0],
    ["scaled to zero", { spec: { ...base.spec, replicas: 0 } }, "ScaledToZero", 0],
    [
      "warm from zero",
      { spec: { ...base.spec, replicas: 0 }, warm: true, slots: [ready()], everReady: true },
      "Running",
      1,
    ],
    [
      "draining ones do not count",
      { slots: [ready(), ready(), { generation: 1, state: "draining" }], everReady: true },
      "Running",
      2,
    ],
  ])("%s", (_name, patch, status, readyCount) => {
    const s = buildFunctionStatus({ ...base, ...patch });
    expect(s.status).toBe(status);
    expect(s.ready_replicas).toBe(readyCount);
    expect(s.available_replicas).toBe(readyCount);
  });
  it("counts updated replicas of the current generation only", () => {
    const s = buildFunctionStatus({
      ...base,
      slots: [ready(1), ready(), { generation: 2, state: "starting" }],
    });
    expect(s.updated_replicas).toBe(2);
  });
});

describe("pid records", () => {
  const self = { pid: process.pid, tenant: "t", name: "f", replica: "f-0" };
  it("recognise a live process only with its own start time (pids get reused)", () => {
    const ticks = processStartTicks(process.pid);
    expect(ticks).toBeGreaterThan(0);
    expect(isRecordAlive({ ...self, startTicks: ticks! })).toBe(true);
    expect(isRecordAlive({ ...self, startTicks: ticks! + 1 })).toBe(false);
    expect(isRecordAlive({ ...self, pid: 2 ** 22 + 7, startTicks: ticks! })).toBe(false);
  });
});
