/**
 * Tier 4: the Function reconciler against the real API server (kwok runs the pods). Functions
 * are created with the client as `kubectl apply` would; drift made by hand is repaired and the
 * time to repair printed; refused Functions get Ready=False with the stable code; an unchanged
 * Function costs no write, counted across a cold start and a resync of many.
 */
import { randomBytes } from "node:crypto";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_RESOURCE } from "../../../src/drivers/kubernetes/build-crd.js";
import {
  createFunctionReconciler,
  type FunctionReconciler,
} from "../../../src/drivers/kubernetes/reconcile/function-reconciler.js";
import {
  tenantOf,
  type FunctionObject,
} from "../../../src/drivers/kubernetes/reconcile/function-desired.js";
import { createClusterCache } from "../../../src/drivers/kubernetes/cluster-cache.js";
import { startTestCluster, type TestCluster } from "../support/cluster.js";
import {
  apisFor,
  createRestrictedNamespace,
  eventually,
  statusOf,
  type Apis,
} from "../support/k8s.js";

const run = randomBytes(3).toString("hex");
const NS = `ef-rec-${run}`;
const IMAGE = "registry.invalid/eventflow/hello:1";
const { group, version, plural } = FUNCTION_RESOURCE;

let cluster: TestCluster;
let api: Apis;
let custom: CustomObjectsApi;
/** A reconciler over its own cluster cache, started and stopped together (one controller). */
type TestReconciler = Omit<FunctionReconciler, "start"> & { start(): Promise<void> };
const reconcilers: TestReconciler[] = [];

function newReconciler(): TestReconciler {
  const tenants = { kind: "label" } as const;
  const cache = createClusterCache({
    kubeConfig: api.kc,
    namespace: NS,
    functionKey: (fn) => `${tenantOf(fn, tenants)}/${fn.metadata?.name}`,
  });
  const r = createFunctionReconciler({
    kubeConfig: api.kc,
    cache,
    tenants,
    resyncMs: 3_600_000,
    workers: 4,
    queue: { rateLimit: { baseDelayMs: 50, maxDelayMs: 2000 } },
  });
  const both: TestReconciler = {
    ...r,
    async start() {
      await cache.start();
      r.start();
    },
    async stop() {
      await r.stop();
      await cache.stop();
    },
  };
  reconcilers.push(both);
  return both;
}

async function createFunction(name: string, spec: unknown, tenant: string | null = "acme") {
  await custom.createNamespacedCustomObject({
    group,
    version,
    plural,
    namespace: NS,
    body: {
      apiVersion: `${group}/${version}`,
      kind: "Function",
      metadata: { name, ...(tenant ? { labels: { "eventflow.dev/tenant": tenant } } : {}) },
      spec,
    },
  });
}

async function getFunction(name: string): Promise<FunctionObject> {
  return (await custom.getNamespacedCustomObject({
    group,
    version,
    plural,
    namespace: NS,
    name,
  })) as FunctionObject;
}

const ready = (fn: FunctionObject) => fn.status?.conditions?.find((c) => c.type === "Ready");

/** Runs `act`, then polls `repaired` every 25 ms; the milliseconds it took. */
async function timeToRepair(act: () => Promise<unknown>, repaired: () => Promise<boolean>) {
  const t0 = performance.now();
  await act();
  await eventually(async () => (await repaired()) || undefined, 20_000, "repair");
  return performance.now() - t0;
}

const repairs: number[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  api = apisFor(cluster.kubeconfig);
  custom = api.kc.makeApiClient(CustomObjectsApi);
  await createRestrictedNamespace(api, NS);
}, 900_000);

afterAll(async () => {
  for (const r of reconcilers) await r.stop();
  if (repairs.length > 0) {
    const sorted = [...repairs].sort((a, b) => a - b);
    const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
    console.log(
      `[reconciler] repair times ms: ${sorted.map((t) => t.toFixed(0)).join(", ")}; p95 ${p95.toFixed(0)} ms`,
    );
  }
  if (api) await api.core.deleteNamespace({ name: NS }).catch(() => {});
  await cluster?.stop();
}, 120_000);

describe("the Function reconciler on the real API server", () => {
  let r: TestReconciler;

  it("a Function created with the client gets its Deployment and Service, owned by it, and Ready status", async () => {
    r = newReconciler();
    await r.start();
    await createFunction("hello", { image: IMAGE, replicas: 1 });
    const fn = await getFunction("hello");
    const d = await eventually(
      () => api.apps.readNamespacedDeployment({ name: "hello", namespace: NS }),
      20_000,
      "Deployment",
    );
    const owner = d.metadata?.ownerReferences?.[0];
    expect(owner).toMatchObject({
      kind: "Function",
      name: "hello",
      uid: fn.metadata?.uid,
      controller: true,
    });
    const svc = await eventually(
      () => api.core.readNamespacedService({ name: "hello", namespace: NS }),
      20_000,
      "Service",
    );
    expect(svc.metadata?.ownerReferences?.[0]?.uid).toBe(d.metadata?.uid);
    const done = await eventually(
      async () => {
        const f = await getFunction("hello");
        return ready(f)?.status === "True" ? f : undefined;
      },
      60_000,
      "Ready=True",
    );
    expect(done.status).toMatchObject({
      observedGeneration: 1,
      phase: "Running",
      readyReplicas: 1,
      replicas: 1,
      selector: "eventflow.dev/tenant=acme,eventflow.dev/function=hello",
      url: "/fn/acme/hello",
    });
  }, 120_000);

  it("repairs a deleted Service, a deleted HPA, a hand scale and a hand image edit", async () => {
    // The scaling function has an HPA.
    await createFunction("scaled", {
      image: IMAGE,
      replicas: 1,
      scaling: { metric: "cpu", minReplicas: 1, maxReplicas: 3 },
    });
    const hpaUid = await eventually(
      async () => {
        const h = await api.autoscaling.readNamespacedHorizontalPodAutoscaler({
          name: "scaled",
          namespace: NS,
        });
        return h.metadata?.uid;
      },
      20_000,
      "HPA",
    );
    const svcUid = (await api.core.readNamespacedService({ name: "hello", namespace: NS })).metadata
      ?.uid;

    repairs.push(
      await timeToRepair(
        () => api.core.deleteNamespacedService({ name: "hello", namespace: NS }),
        async () => {
          const s = await api.core.readNamespacedService({ name: "hello", namespace: NS });
          return s.metadata?.uid !== svcUid && !s.metadata?.deletionTimestamp;
        },
      ),
    );
    repairs.push(
      await timeToRepair(
        () =>
          api.autoscaling.deleteNamespacedHorizontalPodAutoscaler({
            name: "scaled",
            namespace: NS,
          }),
        async () => {
          const h = await api.autoscaling.readNamespacedHorizontalPodAutoscaler({
            name: "scaled",
            namespace: NS,
          });
          return h.metadata?.uid !== hpaUid;
        },
      ),
    );
    repairs.push(
      await timeToRepair(
        () =>
          api.apps.patchNamespacedDeploymentScale(
            { name: "hello", namespace: NS, body: { spec: { replicas: 3 } } },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
          ),
        async () => {
          const d = await api.apps.readNamespacedDeployment({ name: "hello", namespace: NS });
          // Seen at 3 first would need a race with the reconciler; back at 1 is the repair.
          return d.spec?.replicas === 1 && (d.metadata?.generation ?? 0) > 1;
        },
      ),
    );
    repairs.push(
      await timeToRepair(
        () =>
          api.apps.patchNamespacedDeployment(
            {
              name: "hello",
              namespace: NS,
              body: {
                spec: {
                  template: {
                    spec: { containers: [{ name: "function", image: "registry.invalid/evil:6" }] },
                  },
                },
              },
            },
            setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
          ),
        async () => {
          const d = await api.apps.readNamespacedDeployment({ name: "hello", namespace: NS });
          const image = d.spec?.template?.spec?.containers?.[0]?.image;
          return image === IMAGE && (d.metadata?.generation ?? 0) > 3;
        },
      ),
    );
    expect(repairs).toHaveLength(4);
    for (const t of repairs) expect(t).toBeLessThan(20_000);
  }, 120_000);

  it("refused Functions get Ready=False with the stable code, and the others keep reconciling", async () => {
    // The CRD cannot check an image reference or a secret's existence; the API's schema can.
    await createFunction("bad-image", { image: "Registry.invalid/UPPER CASE:!!", replicas: 1 });
    await createFunction("no-secret", {
      image: IMAGE,
      replicas: 0,
      secrets: [{ name: "db", mount: "env" }],
    });
    await createFunction("no-tenant", { image: IMAGE, replicas: 0 }, null);
    await createFunction("after-bad", { image: IMAGE, replicas: 0 });
    const reasons: Record<string, string> = {};
    for (const [name, code] of [
      ["bad-image", "REQUEST_VALIDATION_FAILED"],
      ["no-secret", "FUNCTION_SECRET_MISSING"],
      ["no-tenant", "REQUEST_VALIDATION_FAILED"],
    ] as const) {
      const f = await eventually(
        async () => {
          const x = await getFunction(name);
          return ready(x)?.status === "False" ? x : undefined;
        },
        20_000,
        `${name} Ready=False`,
      );
      reasons[name] = ready(f)!.reason;
      expect(f.status?.lastError?.code).toBe(code);
      expect(f.status?.phase).toBe("Failed");
      expect(await statusOf(() => api.apps.readNamespacedDeployment({ name, namespace: NS }))).toBe(
        404,
      );
    }
    expect(reasons).toEqual({
      "bad-image": "REQUEST_VALIDATION_FAILED",
      "no-secret": "FUNCTION_SECRET_MISSING",
      "no-tenant": "REQUEST_VALIDATION_FAILED",
    });
    const ok = await eventually(
      async () => {
        const x = await getFunction("after-bad");
        return ready(x)?.status === "True" ? x : undefined;
      },
      20_000,
      "after-bad Ready",
    );
    expect(ok.status?.phase).toBe("ScaledToZero");
    // A fixed spec is picked up: the condition moves to Ready=True.
    await custom.patchNamespacedCustomObject(
      {
        group,
        version,
        plural,
        namespace: NS,
        name: "bad-image",
        body: { spec: { image: IMAGE, replicas: 0 } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const fixed = await eventually(
      async () => {
        const x = await getFunction("bad-image");
        return ready(x)?.status === "True" ? x : undefined;
      },
      20_000,
      "bad-image fixed",
    );
    expect(fixed.status?.observedGeneration).toBe(2);
    expect(fixed.status?.lastError ?? undefined).toBeUndefined();
  }, 120_000);

  it("never takes over a Deployment that is not the Function's (unlabelled, or another tenant's)", async () => {
    const plain = (name: string, labels: Record<string, string>) => ({
      metadata: { name, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "c",
                image: "registry.invalid/theirs:1",
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
      },
    });
    await api.apps.createNamespacedDeployment({ namespace: NS, body: plain("foreign", {}) });
    // As the API writes them in this shared namespace: tenant acme's function "legacy".
    await api.apps.createNamespacedDeployment({
      namespace: NS,
      body: plain("legacy", {
        "app.kubernetes.io/managed-by": "eventflow",
        "eventflow.dev/tenant": "acme",
        "eventflow.dev/function": "legacy",
      }),
    });
    await createFunction("foreign", { image: IMAGE, replicas: 0 });
    await createFunction("legacy", { image: IMAGE, replicas: 0 }, "evil");
    for (const name of ["foreign", "legacy"]) {
      const f = await eventually(
        async () => {
          const x = await getFunction(name);
          return ready(x)?.status === "False" ? x : undefined;
        },
        20_000,
        `${name} refused`,
      );
      expect(f.status?.lastError?.code).toBe("FUNCTION_ALREADY_EXISTS");
      const d = await api.apps.readNamespacedDeployment({ name, namespace: NS });
      expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe("registry.invalid/theirs:1");
      expect(d.metadata?.ownerReferences ?? []).toEqual([]);
    }
  }, 60_000);

  it("a write the API server refuses (quota) shows on the Function and is retried until it passes", async () => {
    const used = (await api.apps.listNamespacedDeployment({ namespace: NS })).items.length;
    await api.core.createNamespacedResourceQuota({
      namespace: NS,
      body: {
        metadata: { name: "deployments" },
        spec: { hard: { "count/deployments.apps": String(used) } },
      },
    });
    await eventually(
      async () =>
        (await api.core.readNamespacedResourceQuota({ name: "deployments", namespace: NS })).status
          ?.hard !== undefined,
      20_000,
      "quota status",
    );
    await createFunction("over-quota", { image: IMAGE, replicas: 0 });
    const refused = await eventually(
      async () => {
        const x = await getFunction("over-quota");
        return x.status?.lastError ? x : undefined;
      },
      20_000,
      "over-quota status",
    );
    expect(refused.status?.lastError?.code).toBe("KUBERNETES_QUOTA_EXCEEDED");
    expect(ready(refused)?.status).toBe("False");
    await api.core.deleteNamespacedResourceQuota({ name: "deployments", namespace: NS });
    const passed = await eventually(
      async () => {
        const x = await getFunction("over-quota");
        return ready(x)?.status === "True" ? x : undefined;
      },
      30_000,
      "over-quota Ready after the quota went",
    );
    expect(passed.status?.lastError ?? undefined).toBeUndefined();
  }, 90_000);

  it("200 Functions from a cold start; a restart and a resync of unchanged ones write nothing", async () => {
    const N = 200;
    const names = Array.from({ length: N }, (_, i) => `bulk-${i}`);
    const t0 = performance.now();
    for (let i = 0; i < N; i += 20)
      await Promise.all(
        names.slice(i, i + 20).map((n) => createFunction(n, { image: IMAGE, replicas: 0 })),
      );
    const created = performance.now() - t0;
    await eventually(
      async () => {
        const list = (await custom.listNamespacedCustomObject({
          group,
          version,
          plural,
          namespace: NS,
          labelSelector: "eventflow.dev/tenant=acme",
        })) as { items: FunctionObject[] };
        const bulk = list.items.filter((f) => f.metadata?.name?.startsWith("bulk-"));
        return bulk.length === N && bulk.every((f) => ready(f)?.status === "True")
          ? true
          : undefined;
      },
      120_000,
      "all bulk Functions Ready",
    );
    const first = performance.now() - t0;
    console.log(
      `[reconciler] ${N} Functions created in ${created.toFixed(0)} ms, all Ready after ${first.toFixed(0)} ms`,
    );

    // A restart: a new reconciler with cold caches reconciles everything and writes nothing.
    await r.stop();
    const cold = newReconciler();
    const t1 = performance.now();
    await cold.start();
    await eventually(
      () => (cold.stats().reconciles >= N + 9 && cold.pending() === 0) || undefined,
      60_000,
      "cold start settled",
    );
    const coldMs = performance.now() - t1;
    const afterStart = cold.stats();
    console.log(
      `[reconciler] cold start: ${afterStart.reconciles} reconciles in ${coldMs.toFixed(0)} ms; applies ${afterStart.applies}, status writes ${afterStart.statusWrites}`,
    );
    expect(afterStart.applies).toBe(0);
    expect(afterStart.deletes).toBe(0);
    expect(afterStart.statusWrites).toBe(0);

    cold.resync();
    await eventually(
      () =>
        (cold.stats().reconciles >= afterStart.reconciles + N && cold.pending() === 0) || undefined,
      60_000,
      "resync settled",
    );
    const afterResync = cold.stats();
    console.log(
      `[reconciler] resync: ${afterResync.reconciles - afterStart.reconciles} reconciles; applies ${afterResync.applies}, status writes ${afterResync.statusWrites}`,
    );
    expect(afterResync.applies).toBe(0);
    expect(afterResync.statusWrites).toBe(0);
  }, 400_000);
});
