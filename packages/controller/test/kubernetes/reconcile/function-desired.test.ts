/** The Function reconciler's pure parts: spec and tenant checks, "already holds", status. */
import { describe, expect, it } from "vitest";
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { adoptableSpec } from "../../../src/drivers/kubernetes/adopt.js";
import { buildDeployment } from "../../../src/drivers/kubernetes/build-deployment.js";
import {
  buildFunctionObject,
  tenantOf,
  checkTakeOver,
  functionSpecOf,
  functionStatus,
  holds,
  holdsObject,
  invalidStatus,
  statusChanged,
  type FunctionObject,
} from "../../../src/drivers/kubernetes/reconcile/function-desired.js";

const IMAGE = "registry.invalid/eventflow/hello:1";
const fn = (over: Partial<FunctionObject> & { labels?: Record<string, string> } = {}) =>
  ({
    metadata: {
      name: "hello",
      namespace: over.metadata?.namespace ?? "team",
      uid: "u1",
      generation: 2,
      labels: over.labels ?? { "eventflow.dev/tenant": "acme" },
    },
    spec: { image: IMAGE, replicas: 1 },
    ...over,
  }) as FunctionObject;
const LABEL = { kind: "label" } as const;

describe("functionSpecOf", () => {
  it("validates with the API's schema (defaults applied) and takes the tenant from the label", () => {
    const spec = functionSpecOf(fn({ spec: { image: IMAGE } }), LABEL);
    expect(spec).toMatchObject({ tenant: "acme", name: "hello", image: IMAGE, replicas: 1 });
  });

  it("refuses what the CRD lets through: a bad image reference, unknown fields", () => {
    expect(() => functionSpecOf(fn({ spec: { image: "Bad Image!!" } }), LABEL)).toThrow(
      expect.objectContaining({ code: "REQUEST_VALIDATION_FAILED" }),
    );
    expect(() => functionSpecOf(fn({ spec: { image: IMAGE, hostNetwork: true } }), LABEL)).toThrow(
      expect.objectContaining({ code: "REQUEST_VALIDATION_FAILED" }),
    );
  });

  it("never quotes an env value back in the message", () => {
    try {
      functionSpecOf(fn({ spec: { image: IMAGE, env: { "1BAD": "s3cr3t" } } }), LABEL);
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("s3cr3t");
    }
  });

  it("single namespace: a missing or invalid tenant label is refused", () => {
    expect(() => functionSpecOf(fn({ labels: {} }), LABEL)).toThrow(/tenant .* is missing/);
    expect(() => functionSpecOf(fn({ labels: { "eventflow.dev/tenant": "A_B" } }), LABEL)).toThrow(
      expect.objectContaining({ code: "REQUEST_VALIDATION_FAILED" }),
    );
  });

  it("namespace per tenant: the tenant is the namespace minus the prefix, the label ignored", () => {
    const tenants = { kind: "namespace", prefix: "eventflow-" } as const;
    const own = fn({
      metadata: { namespace: "eventflow-red" },
      labels: { "eventflow.dev/tenant": "blue" },
    });
    expect(functionSpecOf(own, tenants).tenant).toBe("red");
    expect(() => functionSpecOf(fn({ metadata: { namespace: "kube-system" } }), tenants)).toThrow(
      expect.objectContaining({ code: "REQUEST_VALIDATION_FAILED" }),
    );
  });
});

describe("holds", () => {
  it("ignores fields the server added, not fields we set", () => {
    expect(holds({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } })).toBe(true);
    expect(holds({ b: { c: 2 } }, { b: { c: 3 } })).toBe(false);
    expect(holds({ list: [{ x: 1, y: 2 }] }, { list: [{ x: 1 }] })).toBe(true);
    expect(holds({ list: [{ x: 1 }, { x: 2 }] }, { list: [{ x: 1 }] })).toBe(false);
    expect(holds({}, { a: null })).toBe(false);
  });

  it("resource quantities compare as amounts (the API server stores 0.5 as 500m, 1024Mi as 1Gi)", () => {
    const desired = { resources: { requests: { cpu: "0.5", memory: "1024Mi" } } };
    expect(holds({ resources: { requests: { cpu: "500m", memory: "1Gi" } } }, desired)).toBe(true);
    expect(holds({ resources: { requests: { cpu: "501m", memory: "1Gi" } } }, desired)).toBe(false);
    expect(holds({ resources: { requests: { cpu: "500m", memory: "1G" } } }, desired)).toBe(false);
    // Only under requests/limits: an env value "0.5" is not "500m".
    expect(holds({ env: [{ value: "500m" }] }, { env: [{ value: "0.5" }] })).toBe(false);
  });

  it("an absent live object never holds; apiVersion/kind are not compared", () => {
    const d = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } };
    expect(holdsObject(undefined, d)).toBe(false);
    expect(holdsObject({ metadata: { name: "x", uid: "1" } }, d)).toBe(true);
  });
});

describe("status", () => {
  const now = "2026-01-01T00:00:00.000Z";
  const later = "2026-01-01T00:05:00.000Z";

  it("an invalid Function: Ready=False with the code; times kept while nothing changes", () => {
    const error = { code: "FUNCTION_SECRET_MISSING", message: "secret db does not exist" };
    const first = invalidStatus(fn(), error, now);
    expect(first.conditions?.[0]).toMatchObject({
      type: "Ready",
      status: "False",
      reason: "FUNCTION_SECRET_MISSING",
      lastTransitionTime: now,
    });
    const again = invalidStatus(fn({ status: first }), error, later);
    expect(again.conditions?.[0]?.lastTransitionTime).toBe(now);
    expect(again.lastError?.at).toBe(now);
    expect(statusChanged(first, again)).toBe(false);
  });

  it("a valid Function without its Deployment yet is Pending, not Ready; selector and url set", () => {
    const spec = functionSpecOf(fn(), LABEL);
    const s = functionStatus(fn(), spec, undefined, [], now);
    expect(s).toMatchObject({
      observedGeneration: 2,
      phase: "Pending",
      selector: "eventflow.dev/tenant=acme,eventflow.dev/function=hello",
      url: "/fn/acme/hello",
      lastError: null,
    });
    expect(s.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    // The transition time moves when Ready flips.
    const d = {
      metadata: { generation: 1, annotations: { "eventflow.dev/spec": JSON.stringify(spec) } },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, replicas: 1, readyReplicas: 1, updatedReplicas: 1 },
    } as unknown as V1Deployment;
    const up = functionStatus(fn({ status: s }), spec, d, [], later);
    expect(up.phase).toBe("Running");
    expect(up.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      lastTransitionTime: later,
    });
    expect(statusChanged(s, up)).toBe(true);
    // No pods, no ImagePulled; a pod the kubelet cannot pull for makes it False with the code.
    expect(up.conditions?.some((c) => c.type === "ImagePulled")).toBe(false);
    const pullFailed = {
      metadata: { name: "hello-1", creationTimestamp: new Date(now) },
      status: {
        phase: "Pending",
        containerStatuses: [
          {
            name: "function",
            ready: false,
            restartCount: 0,
            image: IMAGE,
            imageID: "",
            state: { waiting: { reason: "ImagePullBackOff", message: "not found" } },
          },
        ],
      },
    } as unknown as V1Pod;
    const down = functionStatus(fn({ status: up }), spec, d, [pullFailed], later);
    expect(down.conditions?.find((c) => c.type === "ImagePulled")).toMatchObject({
      status: "False",
      reason: "FUNCTION_IMAGE_NOT_FOUND",
    });
    const running = { ...pullFailed, status: { phase: "Running", containerStatuses: [] } };
    const fine = functionStatus(fn({ status: down }), spec, d, [running as V1Pod], later);
    expect(fine.conditions?.find((c) => c.type === "ImagePulled")).toMatchObject({
      status: "True",
      reason: "Pulled",
    });
    // An absent lastError equals a null one (the merge patch wrote null).
    const { lastError: _gone, ...withoutError } = up;
    expect(statusChanged(withoutError, up)).toBe(false);
  });
});

describe("checkTakeOver", () => {
  const spec = functionSpecOf(fn(), LABEL);
  const ours = {
    "app.kubernetes.io/managed-by": "eventflow",
    "eventflow.dev/tenant": "acme",
    "eventflow.dev/function": "hello",
  };
  const deployment = (labels: Record<string, string>, ownerUid?: string) =>
    ({
      metadata: {
        name: "hello",
        namespace: "team",
        labels,
        ...(ownerUid ? { ownerReferences: [{ uid: ownerUid, controller: true }] } : {}),
      },
    }) as unknown as V1Deployment;

  it("takes EventFlow's own (no owner yet) and its own (owner uid), labels edited or not", () => {
    expect(() => checkTakeOver(deployment(ours), spec, fn())).not.toThrow();
    expect(() => checkTakeOver(deployment({}, "u1"), spec, fn())).not.toThrow();
  });

  it("refuses one not labelled, another tenant's, or another owner's", () => {
    const refused = expect.objectContaining({ code: "FUNCTION_ALREADY_EXISTS" });
    expect(() => checkTakeOver(deployment({}), spec, fn())).toThrow(refused);
    expect(() =>
      checkTakeOver(deployment({ ...ours, "eventflow.dev/tenant": "other" }), spec, fn()),
    ).toThrow(refused);
    expect(() => checkTakeOver(deployment(ours, "someone-else"), spec, fn())).toThrow(refused);
  });
});

describe("buildFunctionObject and tenantOf", () => {
  it("round-trips a spec through the Function object the API writes", () => {
    const spec = {
      tenant: "acme",
      name: "hello",
      image: IMAGE,
      replicas: 2,
      env: { A: "1" },
      scaling: undefined,
    };
    const obj = buildFunctionObject(spec, { namespace: "team", name: "hello" });
    expect(obj).toMatchObject({
      apiVersion: "eventflow.dev/v1alpha1",
      kind: "Function",
      metadata: {
        name: "hello",
        namespace: "team",
        labels: { "eventflow.dev/tenant": "acme", "app.kubernetes.io/managed-by": "eventflow" },
      },
    });
    // No tenant or name in spec, and no undefined left for the API server to refuse.
    expect(obj.spec).toEqual({ image: IMAGE, replicas: 2, env: { A: "1" } });
    expect(functionSpecOf(obj, LABEL)).toMatchObject({
      tenant: "acme",
      name: "hello",
      image: IMAGE,
      replicas: 2,
      env: { A: "1" },
    });
  });

  it("reads the tenant from the label or from a prefixed namespace only", () => {
    const ns = { kind: "namespace", prefix: "eventflow-" } as const;
    expect(tenantOf(fn(), LABEL)).toBe("acme");
    expect(tenantOf(fn({ metadata: { namespace: "eventflow-blue" } }), ns)).toBe("blue");
    expect(tenantOf(fn({ metadata: { namespace: "default" } }), ns)).toBeUndefined();
    expect(tenantOf(fn({ labels: {} }), LABEL)).toBeUndefined();
  });
});

describe("adoptableSpec (Deployments written before Function objects)", () => {
  const legacy = (over: { replicas?: number; owner?: boolean; scaling?: boolean } = {}) =>
    buildDeployment(
      {
        tenant: "acme",
        name: "hello",
        image: IMAGE,
        replicas: 1,
        ...(over.scaling
          ? { scaling: { metric: "cpu" as const, minReplicas: 1, maxReplicas: 3 } }
          : {}),
      },
      { ref: { namespace: "team", name: "hello" }, secrets: new Map() },
    ) as V1Deployment;

  it("adopts EventFlow's unowned Deployment with its spec at the replica count it runs at", () => {
    expect(adoptableSpec(legacy())).toMatchObject({ tenant: "acme", name: "hello", replicas: 1 });
    const woken = legacy();
    woken.spec!.replicas = 3;
    expect(adoptableSpec(woken)?.replicas).toBe(3);
    // With an HPA the live count is the HPA's, not the spec's.
    const scaled = legacy({ scaling: true });
    scaled.spec!.replicas = 3;
    expect(adoptableSpec(scaled)?.replicas).toBe(1);
  });

  it("leaves owned, foreign, deleting and annotation-less Deployments alone", () => {
    const owned = legacy();
    owned.metadata!.ownerReferences = [
      {
        apiVersion: "eventflow.dev/v1alpha1",
        kind: "Function",
        name: "hello",
        uid: "u",
        controller: true,
      },
    ];
    expect(adoptableSpec(owned)).toBeUndefined();
    const foreign = legacy();
    foreign.metadata!.labels = {
      ...foreign.metadata!.labels,
      "app.kubernetes.io/managed-by": "helm",
    };
    expect(adoptableSpec(foreign)).toBeUndefined();
    const deleting = legacy();
    deleting.metadata!.deletionTimestamp = new Date();
    expect(adoptableSpec(deleting)).toBeUndefined();
    const bare = legacy();
    bare.metadata!.annotations = {};
    expect(adoptableSpec(bare)).toBeUndefined();
  });
});
