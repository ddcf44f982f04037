// RBAC proven in the tenancy overlay (deploy/kustomize/overlays/tenancy): with the controller's
// ServiceAccount token, a tenant's first function creates its namespace, quota, LimitRange and
// NetworkPolicy, runs, logs, scales and is deleted; Secrets in a tenant namespace are written,
// never read; what it was not granted is still refused with 403.
import { randomBytes } from "node:crypto";
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesDriver } from "../../packages/controller/src/drivers/kubernetes/index.ts";
import { eventually, statusOf } from "../../packages/controller/test/kubernetes/support/k8s.ts";
import {
  IMAGE,
  SYSTEM,
  startServiceAccountSuite,
  until,
  type ServiceAccountSuite,
} from "./rbac-support.ts";
import { DEPLOY, dryRunThenApply, kustomize, tool } from "./support.ts";

const run = randomBytes(3).toString("hex");

let suite: ServiceAccountSuite;
let sa: KubeConfig;
let admin: ServiceAccountSuite["admin"];

const startDriver = (kc: KubeConfig, options: Parameters<ServiceAccountSuite["startDriver"]>[1]) =>
  suite.startDriver(kc, options);

beforeAll(async () => {
  suite = await startServiceAccountSuite(run);
  ({ sa, admin } = suite);
});

afterAll(async () => {
  await suite?.stop();
});

describe("namespace per tenant (deploy/kustomize/overlays/tenancy)", () => {
  let driver: KubernetesDriver;
  const tenant = `t${run}`;
  const prefix = `ef-${run}-`;

  beforeAll(async () => {
    const { dryRun, apply } = await dryRunThenApply(
      await kustomize(`${DEPLOY}/kustomize/overlays/tenancy`),
    );
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(apply.code, apply.stderr).toBe(0);
    // Another install than the single-tenant one (rbac.k8s.test.ts): its own Lease (same Role),
    // or a single-tenant replica holding theirs would be its reconciler too.
    driver = await startDriver(sa, {
      namespacePrefix: prefix,
      controllerNamespace: SYSTEM,
      leaderElection: { name: "eventflow-controller-tenancy" },
    });
  });

  afterAll(async () => {
    // Back to the base's bindings, so a later run (or file) starts from single-tenant RBAC.
    await tool("kubectl", [
      "delete",
      "clusterrolebinding",
      "eventflow-controller-functions",
      "eventflow-controller-tenants",
      "--ignore-not-found",
    ]);
  });

  it("the controller's env in the overlay turns tenancy on", async () => {
    const d = await admin.apps.readNamespacedDeployment({
      name: "eventflow-controller",
      namespace: SYSTEM,
    });
    const env = Object.fromEntries(
      (d.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
    );
    expect(env.EVENTFLOW_NAMESPACE_PER_TENANT).toBe("true");
  });

  it("first function of a tenant: namespace, quota, LimitRange, NetworkPolicy, then Running; logs, scale, delete", async () => {
    await driver.create({ tenant, name: "hello", image: IMAGE, replicas: 1 });
    const ns = `${prefix}${tenant}`;
    const made = await admin.core.readNamespace({ name: ns });
    expect(made.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(
      await statusOf(() =>
        admin.core.readNamespacedResourceQuota({ name: "eventflow-quota", namespace: ns }),
      ),
    ).toBe(200);
    expect(
      await statusOf(() =>
        admin.core.readNamespacedLimitRange({ name: "eventflow-defaults", namespace: ns }),
      ),
    ).toBe(200);
    expect(
      await statusOf(() =>
        admin.networking.readNamespacedNetworkPolicy({
          name: "eventflow-ingress-from-controller",
          namespace: ns,
        }),
      ),
    ).toBe(200);
    await until(driver, tenant, "hello", (x) => x.status === "Running");
    const lines = [];
    for await (const l of driver.logs(tenant, "hello", { tail: 2 })) lines.push(l);
    expect(lines.length).toBeGreaterThan(0);
    await driver.scale(tenant, "hello", 2);
    await until(driver, tenant, "hello", (x) => x.ready_replicas === 2);
    await driver.delete(tenant, "hello");
    await eventually(
      async () =>
        (await statusOf(() =>
          admin.apps.readNamespacedDeployment({ name: "hello", namespace: ns }),
        )) === 404,
      30_000,
      "Deployment deleted",
    );
  });

  it("still refused: Secrets anywhere, nodes, deleting namespaces, cluster-wide deletes", async () => {
    const core = sa.makeApiClient(CoreV1Api);
    const apps = sa.makeApiClient(AppsV1Api);
    const ns = `${prefix}${tenant}`;
    expect(await statusOf(() => core.listSecretForAllNamespaces())).toBe(403);
    expect(await statusOf(() => core.listNamespacedSecret({ namespace: ns }))).toBe(403);
    expect(
      await statusOf(() =>
        core.readNamespacedSecret({ name: "eventflow-secrets", namespace: SYSTEM }),
      ),
    ).toBe(403);
    expect(await statusOf(() => core.listNode())).toBe(403);
    expect(await statusOf(() => core.deleteNode({ name: "kwok-node-0" }))).toBe(403);
    expect(await statusOf(() => core.deleteNamespace({ name: ns }))).toBe(403);
    expect(await statusOf(() => core.deleteCollectionNamespacedPod({ namespace: ns }))).toBe(403);
    expect(await statusOf(() => apps.deleteCollectionNamespacedDeployment({ namespace: ns }))).toBe(
      403,
    );
    expect(
      await statusOf(() =>
        core.deleteNamespacedResourceQuota({ name: "eventflow-quota", namespace: ns }),
      ),
    ).toBe(403);
    expect(await statusOf(() => core.listNamespace())).toBe(403);
    // ConfigMaps: only labelled eventflow-secret.* indexes (the admission policy).
    const cm: KubernetesObject & { data: Record<string, string> } = {
      metadata: { name: "x", labels: { "app.kubernetes.io/managed-by": "eventflow" } },
      data: {},
    };
    expect(await statusOf(() => core.createNamespacedConfigMap({ namespace: ns, body: cm }))).toBe(
      403,
    );
  });

  it("secrets in a tenant namespace on the ServiceAccount's token; still no reads", async () => {
    await driver.secrets.put(tenant, "key", { K: new TextEncoder().encode("v") }, "create");
    expect((await driver.secrets.list()).map((m) => `${m.tenant}/${m.name}`)).toContain(
      `${tenant}/key`,
    );
    const core = sa.makeApiClient(CoreV1Api);
    expect(
      await statusOf(() =>
        core.readNamespacedSecret({
          name: `eventflow-secret.${tenant}.key`,
          namespace: `${prefix}${tenant}`,
        }),
      ),
    ).toBe(403);
    await driver.secrets.delete(tenant, "key");
  });
});
