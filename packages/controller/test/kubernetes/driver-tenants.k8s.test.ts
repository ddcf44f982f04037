/**
 * Tier 4: the Kubernetes driver with a namespace per tenant, on the real control plane (kwok
 * runs the pods): Pod Security labels, quota, limit range and network policy per tenant, tenants
 * kept apart, the pod quota enforced.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesDriver } from "../../src/drivers/kubernetes/index.js";
import type { TestCluster } from "./support/cluster.js";
import { spec, startDriverSuite, until, type DriverSuite } from "./support/driver-suite.js";
import { eventually, type Apis } from "./support/k8s.js";

const run = randomBytes(3).toString("hex");
const NS = `ef-k8s-${run}`;

let suite: DriverSuite;
let cluster: TestCluster;
let api: Apis;

const newDriver = (options: Parameters<DriverSuite["newDriver"]>[0]) => suite.newDriver(options);

beforeAll(async () => {
  suite = await startDriverSuite(NS, `ef-${run}-`);
  ({ cluster, api } = suite);
}, 900_000);

afterAll(async () => {
  await suite?.stop();
}, 120_000);

describe("tenants as namespaces", { timeout: 120_000 }, () => {
  let tenants: KubernetesDriver;
  const prefix = `ef-${run}-`;

  beforeAll(async () => {
    tenants = await newDriver({
      kubeconfig: cluster.kubeconfig,
      namespacePrefix: prefix,
      controllerNamespace: "eventflow-system",
      // The only controller watching tenant namespaces: it reconciles without an election.
      leaderElection: false,
      tenantPolicy: {
        quota: { pods: "2", "requests.cpu": "2", "requests.memory": "2Gi", "limits.memory": "4Gi" },
      },
    });
  });

  it("a namespace per tenant with Pod Security labels, quota, limit range and network policy", async () => {
    await tenants.create(spec("fn", { tenant: "red" }));
    await tenants.create(spec("fn", { tenant: "blue" }));
    for (const t of ["red", "blue"]) {
      const ns = await api.core.readNamespace({ name: `${prefix}${t}` });
      expect(ns.metadata?.labels).toMatchObject({
        "pod-security.kubernetes.io/enforce": "restricted",
        "eventflow.dev/tenant": t,
      });
      const quota = await api.core.readNamespacedResourceQuota({
        name: "eventflow-quota",
        namespace: `${prefix}${t}`,
      });
      expect(quota.spec?.hard?.pods).toBe("2");
      await api.core.readNamespacedLimitRange({
        name: "eventflow-defaults",
        namespace: `${prefix}${t}`,
      });
      const np = await api.networking.readNamespacedNetworkPolicy({
        name: "eventflow-ingress-from-controller",
        namespace: `${prefix}${t}`,
      });
      expect(np.spec?.ingress?.[0]?._from?.[0]?.namespaceSelector?.matchLabels).toEqual({
        "kubernetes.io/metadata.name": "eventflow-system",
      });
    }
    await until(tenants, "red", "fn", (x) => x.status === "Running");
    await until(tenants, "blue", "fn", (x) => x.status === "Running");
  });

  it("tenants see only their own functions", async () => {
    expect((await tenants.list("red")).map((s) => `${s.tenant}/${s.name}`)).toEqual(["red/fn"]);
    expect((await tenants.list()).map((s) => `${s.tenant}/${s.name}`)).toEqual([
      "blue/fn",
      "red/fn",
    ]);
    await tenants.delete("red", "fn");
    await eventually(async () => (await tenants.list("red")).length === 0);
    const blue = await tenants.get("blue", "fn");
    expect(blue.status).toBe("Running");
    // The invoke hot path's view agrees with the status (invoke tokens are bound to created_at).
    expect(tenants.invokeInfo?.("blue", "fn")).toEqual({
      spec: blue.spec,
      created_at: blue.created_at,
    });
    expect(tenants.invokeInfo?.("red", "fn")).toBeUndefined();
  });

  it("a function beyond the tenant's pod quota reports KUBERNETES_QUOTA_EXCEEDED", async () => {
    await tenants.create(spec("big", { tenant: "blue", replicas: 3 }));
    const s = await until(
      tenants,
      "blue",
      "big",
      (x) => x.last_error?.code === "KUBERNETES_QUOTA_EXCEEDED",
      60_000,
    );
    expect(s.ready_replicas).toBeLessThan(3);
  });
});
