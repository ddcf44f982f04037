/**
 * Tier 4: a function's events on a real control plane, through the API. There is no kubelet
 * here, so the test writes the Event a kubelet writes for a crash-looping container, with
 * involvedObject on one of the function's pods, and reads it back mapped; the deploy comes
 * from the revision the driver stores.
 */
import { randomBytes } from "node:crypto";
import type { FunctionEvent } from "@eventflow/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesDriver } from "../../src/drivers/kubernetes/index.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";
import { eventually, type Apis } from "./support/k8s.js";
import { startRestrictedDriver, type RestrictedDriver } from "./support/restricted-driver.js";

const IMAGE = "registry.invalid/eventflow/hello:1";
const NS = `ef-events-${randomBytes(3).toString("hex")}`;

let env: RestrictedDriver;
let api: Apis;
let driver: KubernetesDriver;
let app: TestApp;
let alice: string;
let globex: string;

beforeAll(async () => {
  env = await startRestrictedDriver(NS);
  ({ api, driver } = env);
  app = await startTestApp({ driver });
  alice = await mintToken({ tenant: "acme", role: "developer", sub: "alice" });
  globex = await mintToken({ tenant: "globex", role: "developer", sub: "gus" });
}, 900_000);

afterAll(async () => {
  await app?.close();
  await env?.stop();
}, 120_000);

const events = async (name: string, token = alice) => {
  const res = await call(app.url, "GET", `/v1/functions/${name}/events`, { token });
  return { status: res.status, body: res.body as FunctionEvent[] };
};

function kubeletEvent(pod: string, name: string, reason: string, message: string) {
  const now = new Date();
  return api.core.createNamespacedEvent({
    namespace: NS,
    body: {
      metadata: { name: `${pod}.${name}` },
      involvedObject: {
        kind: "Pod",
        name: pod,
        namespace: NS,
        apiVersion: "v1",
        fieldPath: "spec.containers{function}",
      },
      reason,
      message,
      type: "Warning",
      count: 6,
      firstTimestamp: new Date(now.getTime() - 60_000),
      lastTimestamp: now,
      source: { component: "kubelet", host: "kwok-node-0" },
    },
  });
}

describe("function events from core/v1 Events", { timeout: 120_000 }, () => {
  it("maps a kubelet's back-off Event on the function's pod, next to the deploy", async () => {
    const created = await call(app.url, "POST", "/v1/functions", {
      token: alice,
      body: { name: "hello", image: IMAGE, replicas: 1 },
    });
    expect(created.status).toBe(201);
    const pod = await eventually(
      async () =>
        (
          await api.core.listNamespacedPod({
            namespace: NS,
            labelSelector: "eventflow.dev/tenant=acme,eventflow.dev/function=hello",
          })
        ).items[0]?.metadata?.name,
      60_000,
      "a pod of hello",
    );
    await kubeletEvent(
      pod,
      "crash",
      "BackOff",
      "Back-off restarting failed container function in pod",
    );
    await kubeletEvent(pod, "pull", "Failed", `Failed to pull image "${IMAGE}": not found`);

    const list = await eventually(
      async () => {
        const { status, body } = await events("hello");
        expect(status).toBe(200);
        return body.some((e) => e.type === "crashed") ? body : undefined;
      },
      30_000,
      "the crash event",
    );
    expect(list.find((e) => e.type === "crashed")).toMatchObject({
      reason: "CrashLoopBackOff",
      replica: pod,
      count: 6,
    });
    expect(list.find((e) => e.reason === "ImagePullFailed")).toMatchObject({
      type: "failed",
      replica: pod,
    });
    expect(list.find((e) => e.type === "deployed")).toMatchObject({ revision: 1 });
    // The controller-manager scaled the Deployment's ReplicaSet up: its Event is a scale.
    await eventually(
      async () => (await events("hello")).body.some((e) => e.type === "scaled" && e.to === 1),
      30_000,
      "the ScalingReplicaSet event",
    );
  });

  it("keeps another function's and another tenant's events apart", async () => {
    const other = await call(app.url, "POST", "/v1/functions", {
      token: alice,
      body: { name: "hello-world", image: IMAGE, replicas: 0 },
    });
    expect(other.status).toBe(201);
    const { body } = await events("hello-world");
    expect(body.filter((e) => e.type === "crashed")).toEqual([]);
    const foreign = await events("hello", globex);
    expect(foreign.status).toBe(404);
  });
});
