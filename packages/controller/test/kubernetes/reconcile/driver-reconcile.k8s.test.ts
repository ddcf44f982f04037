/**
 * Tier 4: the Kubernetes driver with its reconciler on the real API server (kwok runs the
 * pods): a Function written with the client (as `kubectl apply` or a GitOps tool would) is what
 * the API lists and serves; functions deployed by the previous version (a Deployment with the
 * spec annotation) are adopted without restarting their pods; of two controllers only the Lease
 * holder reconciles, writes through the other are reconciled too, and a closing leader hands
 * over at once.
 */
import { randomBytes } from "node:crypto";
import { CustomObjectsApi, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunctionSpec } from "../../../src/drivers/driver.js";
import { serverSideApply } from "../../../src/drivers/kubernetes/apply.js";
import { FUNCTION_RESOURCE } from "../../../src/drivers/kubernetes/build-crd.js";
import { createFunctionObjects } from "../../../src/drivers/kubernetes/function-objects.js";
import {
  createKubernetesDriver,
  type KubernetesDriver,
  type KubernetesDriverOptions,
} from "../../../src/drivers/kubernetes/kubernetes-driver.js";
import { startTestCluster, type TestCluster } from "../support/cluster.js";
import { apisFor, createRestrictedNamespace, eventually, type Apis } from "../support/k8s.js";

const run = randomBytes(3).toString("hex");
const NS = `ef-drec-${run}`;
const LEGACY_NS = `ef-legacy-${run}`;
const IMAGE = "registry.invalid/eventflow/hello:1";
const { group, version, plural } = FUNCTION_RESOURCE;

let cluster: TestCluster;
let api: Apis;
let custom: CustomObjectsApi;
const drivers: KubernetesDriver[] = [];

async function newDriver(options: KubernetesDriverOptions): Promise<KubernetesDriver> {
  const d = createKubernetesDriver({ kubeconfig: cluster.kubeconfig, ...options });
  drivers.push(d);
  await d.start();
  return d;
}

const spec = (name: string, patch: Partial<FunctionSpec> = {}): FunctionSpec => ({
  tenant: "acme",
  name,
  image: IMAGE,
  replicas: 1,
  ...patch,
});

const podUids = async (namespace: string, name: string) =>
  (
    await api.core.listNamespacedPod({ namespace, labelSelector: `eventflow.dev/function=${name}` })
  ).items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => p.metadata!.uid!)
    .sort();

beforeAll(async () => {
  cluster = await startTestCluster();
  api = apisFor(cluster.kubeconfig);
  custom = api.kc.makeApiClient(CustomObjectsApi);
  await createRestrictedNamespace(api, NS);
  await createRestrictedNamespace(api, LEGACY_NS);
}, 900_000);

afterAll(async () => {
  await Promise.all(drivers.map((d) => d.close()));
  for (const ns of [NS, LEGACY_NS]) await api?.core.deleteNamespace({ name: ns }).catch(() => {});
  await cluster?.stop();
}, 120_000);

describe("the driver over Function objects", { timeout: 120_000 }, () => {
  it("adopts a function deployed by the previous version without restarting its pods", async () => {
    // What the previous version wrote: the Deployment (spec annotation, no owner), its Service.
    const objects = KubernetesObjectApi.makeApiClient(api.kc);
    const legacy = createFunctionObjects({
      objects,
      apply: serverSideApply(objects),
      refOf: (_tenant, name) => ({ namespace: LEGACY_NS, name }),
      deployment: {},
      resolveSecrets: async () => new Map(),
    });
    await legacy.write(spec("old"));
    // Woken from zero by an invoke: the Deployment runs 2 while its annotation says 1.
    await legacy.write(spec("old"), 2);
    await eventually(async () => (await podUids(LEGACY_NS, "old")).length === 2 || undefined);
    const before = await api.apps.readNamespacedDeployment({ name: "old", namespace: LEGACY_NS });
    const pods = await podUids(LEGACY_NS, "old");

    const d = await newDriver({ namespace: LEGACY_NS, leaderElection: false });
    const fn = await eventually(
      () =>
        custom
          .getNamespacedCustomObject({ group, version, plural, namespace: LEGACY_NS, name: "old" })
          .catch(() => undefined),
      30_000,
      "the Function made from the Deployment",
    );
    expect(fn).toMatchObject({ spec: { image: IMAGE, replicas: 2 } });
    const adopted = await eventually(async () => {
      const dep = await api.apps.readNamespacedDeployment({ name: "old", namespace: LEGACY_NS });
      return dep.metadata?.ownerReferences?.some((o) => o.kind === "Function" && o.controller)
        ? dep
        : undefined;
    });
    // The pod template is the one that runs: the same ReplicaSet revision, the same pods (the
    // generation moves: the API server counts the spec annotation's rewrite as a change).
    expect(adopted.spec?.template).toEqual(before.spec?.template);
    expect(adopted.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe(
      before.metadata?.annotations?.["deployment.kubernetes.io/revision"],
    );
    expect(await podUids(LEGACY_NS, "old")).toEqual(pods);
    const s = await d.get("acme", "old");
    expect(s).toMatchObject({ name: "old", replicas: 2, image: IMAGE });
  });

  it("two controllers: writes through either are reconciled by the Lease holder; a closing leader hands over at once", async () => {
    const election = {
      namespace: NS,
      leaseDurationMs: 4_000,
      renewDeadlineMs: 3_000,
      retryPeriodMs: 500,
    };
    const a = await newDriver({ namespace: NS, leaderElection: { ...election, identity: "a" } });
    const b = await newDriver({ namespace: NS, leaderElection: { ...election, identity: "b" } });
    const leader = await eventually(() => (a.leading() ? a : b.leading() ? b : undefined));
    const other = leader === a ? b : a;
    expect(other.leading()).toBe(false);

    // The API of the replica that does not lead writes the Function; the leader applies it.
    const created = await other.create(spec("ha"));
    expect(created.name).toBe("ha");
    await eventually(async () => (await other.get("acme", "ha")).status === "Running" || undefined);
    const deployment = await api.apps.readNamespacedDeployment({ name: "ha", namespace: NS });
    expect(deployment.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Function" });

    // A Function written with the client, as kubectl apply would, is listed and served.
    await custom.createNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: NS,
      body: {
        apiVersion: `${group}/${version}`,
        kind: "Function",
        metadata: { name: "gitops", labels: { "eventflow.dev/tenant": "acme" } },
        spec: { image: IMAGE, replicas: 1 },
      },
    });
    await eventually(
      async () => (await other.get("acme", "gitops")).status === "Running" || undefined,
    );
    expect((await other.list("acme")).map((s) => s.name)).toEqual(["gitops", "ha"]);
    // The status follows the pods, the endpoints the EndpointSlice, which its controller
    // updates a moment after the pod turns ready.
    await eventually(() => other.endpoints("acme", "gitops").length === 1 || undefined);
    expect(other.endpoints("acme", "gitops")).toHaveLength(1);

    // The leader shuts down: the other takes the lease at once and repairs drift from then on.
    const t0 = performance.now();
    await leader.draining?.();
    await eventually(() => other.leading() || undefined, 10_000, "hand-over");
    console.log(
      `[driver-reconcile] hand-over after release: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    await api.core.deleteNamespacedService({ name: "ha", namespace: NS });
    await eventually(() =>
      api.core
        .readNamespacedService({ name: "ha", namespace: NS })
        .then(() => true)
        .catch(() => undefined),
    );
    // Scale through the new leader's API, delete through it: objects follow.
    await other.scale("acme", "ha", 2);
    await eventually(
      async () =>
        (await api.apps.readNamespacedDeployment({ name: "ha", namespace: NS })).spec?.replicas ===
          2 || undefined,
    );
    await other.delete("acme", "ha");
    await expect(other.get("acme", "ha")).rejects.toMatchObject({ code: "FUNCTION_NOT_FOUND" });
    await eventually(() =>
      api.apps
        .readNamespacedDeployment({ name: "ha", namespace: NS })
        .then(() => undefined)
        .catch(() => true),
    );
  });
});
