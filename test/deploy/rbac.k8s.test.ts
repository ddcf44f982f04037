// RBAC proven in single-tenant mode: deploy/kustomize's ServiceAccount and roles are applied to
// the test cluster, and the real Kubernetes driver runs with that account's token (no admin
// credentials) through its whole job: create, update, scale, logs, delete. What it was not
// granted is refused with 403. Secrets and the tenancy overlay: rbac-*.k8s.test.ts next to it.
import { randomBytes } from "node:crypto";
import { AppsV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesDriver } from "../../packages/controller/src/drivers/kubernetes/index.ts";
import { eventually, statusOf } from "../../packages/controller/test/kubernetes/support/k8s.ts";
import {
  FUNCTIONS,
  IMAGE,
  SA,
  SYSTEM,
  startServiceAccountSuite,
  until,
  type ServiceAccountSuite,
} from "./rbac-support.ts";
import { tool } from "./support.ts";

const run = randomBytes(3).toString("hex");

let suite: ServiceAccountSuite;
let sa: KubeConfig;
let admin: ServiceAccountSuite["admin"];

const startDriver = (kc: KubeConfig, options: Parameters<ServiceAccountSuite["startDriver"]>[1]) =>
  suite.startDriver(kc, options);

/** `kubectl auth can-i` as the ServiceAccount (impersonation by the admin). */
async function canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
  const r = await tool("kubectl", [
    "auth",
    "can-i",
    verb,
    ...(resource.includes("/")
      ? [resource.split("/")[0]!, `--subresource=${resource.split("/")[1]!}`]
      : [resource]),
    `--as=system:serviceaccount:${SYSTEM}:${SA}`,
    ...(namespace ? ["-n", namespace] : ["--all-namespaces"]),
  ]);
  return r.stdout.trim() === "yes";
}

beforeAll(async () => {
  suite = await startServiceAccountSuite(run);
  ({ sa, admin } = suite);
});

afterAll(async () => {
  await suite?.stop();
});

describe("single-tenant mode (deploy/kustomize/base): a RoleBinding in eventflow-functions", () => {
  let driver: KubernetesDriver;
  const tenant = `t${run}`;

  beforeAll(async () => {
    driver = await startDriver(sa, { namespace: FUNCTIONS, controllerNamespace: SYSTEM });
  });

  it("create with scaling (Deployment, Service, HPA), Running under kwok", async () => {
    await driver.create({
      tenant,
      name: `fn-${run}`,
      image: IMAGE,
      replicas: 1,
      scaling: { minReplicas: 1, maxReplicas: 2, targetCPUUtilization: 70 },
    });
    const s = await until(driver, tenant, `fn-${run}`, (x) => x.status === "Running");
    expect(s.ready_replicas).toBeGreaterThanOrEqual(1);
    const hpa = await statusOf(() =>
      admin.autoscaling.readNamespacedHorizontalPodAutoscaler({
        name: `fn-${run}`,
        namespace: FUNCTIONS,
      }),
    );
    expect(hpa).toBe(200);
  });

  it("update (scaling removed: the HPA is deleted) and scale to 2 and to 0", async () => {
    await driver.update({ tenant, name: `fn-${run}`, image: IMAGE, replicas: 1, env: { A: "1" } });
    await eventually(
      async () =>
        (await statusOf(() =>
          admin.autoscaling.readNamespacedHorizontalPodAutoscaler({
            name: `fn-${run}`,
            namespace: FUNCTIONS,
          }),
        )) === 404,
      30_000,
      "HPA deleted",
    );
    await driver.scale(tenant, `fn-${run}`, 2);
    const two = await until(
      driver,
      tenant,
      `fn-${run}`,
      (x) => x.status === "Running" && x.ready_replicas === 2,
    );
    expect(two.ready_replicas).toBe(2);
    await driver.scale(tenant, `fn-${run}`, 0);
    const zero = await until(driver, tenant, `fn-${run}`, (x) => x.status === "ScaledToZero");
    expect(zero.ready_replicas ?? 0).toBe(0);
    await driver.scale(tenant, `fn-${run}`, 1);
    await until(driver, tenant, `fn-${run}`, (x) => x.status === "Running");
    // The function's events, listed as the ServiceAccount (403 without the events rule): the
    // controller-manager's scale of the Deployment, and kwok's pods becoming ready.
    const events = await eventually(
      async () => {
        const got = await driver.events(tenant, `fn-${run}`);
        return got.some((e) => e.type === "scaled") ? got : undefined;
      },
      30_000,
      "a scaled event",
    );
    expect(events.some((e) => e.type === "ready")).toBe(true);
  });

  it("logs through pods/log", async () => {
    // The pod the last scale started may not have written a line yet when it turns ready.
    const lines = await eventually(
      async () => {
        const got = [];
        for await (const l of driver.logs(tenant, `fn-${run}`, { tail: 3 })) got.push(l);
        return got.length > 0 ? got : undefined;
      },
      30_000,
      "log lines",
    );
    expect(lines.length).toBeGreaterThan(0);
  });

  it("delete: the Deployment goes, the garbage collector takes the Service", async () => {
    await driver.delete(tenant, `fn-${run}`);
    await eventually(
      async () =>
        (await statusOf(() =>
          admin.core.readNamespacedService({ name: `fn-${run}`, namespace: FUNCTIONS }),
        )) === 404,
      30_000,
      "Service collected",
    );
    await expect(driver.get(tenant, `fn-${run}`)).rejects.toMatchObject({
      code: "FUNCTION_NOT_FOUND",
    });
  });

  it("is refused outside its namespace and everything it was not granted (403)", async () => {
    const apps = sa.makeApiClient(AppsV1Api);
    const core = sa.makeApiClient(CoreV1Api);
    const deployment = {
      metadata: { name: `x-${run}` },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: {
          metadata: { labels: { a: "b" } },
          spec: { containers: [{ name: "c", image: IMAGE }] },
        },
      },
    };
    expect(
      await statusOf(() =>
        apps.createNamespacedDeployment({ namespace: "default", body: deployment }),
      ),
    ).toBe(403);
    expect(await statusOf(() => apps.listDeploymentForAllNamespaces())).toBe(403);
    expect(await statusOf(() => core.listNamespacedSecret({ namespace: SYSTEM }))).toBe(403);
    expect(
      await statusOf(() =>
        core.readNamespacedSecret({ name: "eventflow-secrets", namespace: SYSTEM }),
      ),
    ).toBe(403);
    expect(await statusOf(() => core.listNamespacedSecret({ namespace: FUNCTIONS }))).toBe(403);
    expect(await statusOf(() => core.listNode())).toBe(403);
    expect(
      await statusOf(() =>
        core.createNamespace({ body: { metadata: { name: `ef-${run}-nope` } } }),
      ),
    ).toBe(403);
  });

  it("kubectl auth can-i agrees: exactly the driver's verbs in eventflow-functions", async () => {
    for (const [verb, resource] of [
      ["patch", "deployments.apps"],
      ["delete", "deployments.apps"],
      ["watch", "pods"],
      ["get", "pods/log"],
      ["list", "endpointslices.discovery.k8s.io"],
      ["delete", "horizontalpodautoscalers.autoscaling"],
      ["create", "secrets"],
      ["patch", "secrets"],
      ["delete", "secrets"],
      ["get", "configmaps"],
      ["list", "configmaps"],
      ["watch", "configmaps"],
      ["update", "configmaps"],
      // The Function reconciler: its informers, Function objects and their subresources.
      ["watch", "services"],
      ["watch", "horizontalpodautoscalers.autoscaling"],
      ["watch", "functions.eventflow.dev"],
      ["create", "functions.eventflow.dev"],
      ["delete", "functions.eventflow.dev"],
      ["patch", "functions.eventflow.dev/status"],
      ["update", "functions.eventflow.dev/scale"],
      // Revisions: ControllerRevisions owned by the Function.
      ["create", "controllerrevisions.apps"],
      ["get", "controllerrevisions.apps"],
      ["list", "controllerrevisions.apps"],
      ["watch", "controllerrevisions.apps"],
      ["delete", "controllerrevisions.apps"],
      // A function's recent events: core/v1 Events listed on demand.
      ["get", "events"],
      ["list", "events"],
    ] as const)
      expect(await canI(verb, resource, FUNCTIONS), `${verb} ${resource}`).toBe(true);
    // Leader election: the Lease in the controller's own namespace, nowhere else.
    for (const verb of ["get", "watch", "create", "update"])
      expect(await canI(verb, "leases.coordination.k8s.io", SYSTEM), `${verb} leases`).toBe(true);
    for (const [verb, resource, ns] of [
      ["update", "deployments.apps", FUNCTIONS],
      ["deletecollection", "deployments.apps", FUNCTIONS],
      ["update", "controllerrevisions.apps", FUNCTIONS],
      ["patch", "controllerrevisions.apps", FUNCTIONS],
      ["delete", "pods", FUNCTIONS],
      ["create", "pods/exec", FUNCTIONS],
      ["create", "events", FUNCTIONS],
      ["watch", "events", FUNCTIONS],
      ["delete", "events", FUNCTIONS],
      ["list", "events", "default"],
      ["delete", "services", FUNCTIONS],
      ["get", "secrets", FUNCTIONS],
      ["list", "secrets", FUNCTIONS],
      ["watch", "secrets", FUNCTIONS],
      ["update", "secrets", FUNCTIONS],
      ["deletecollection", "secrets", FUNCTIONS],
      ["create", "secrets", "default"],
      ["list", "configmaps", "default"],
      ["patch", "deployments.apps", "default"],
      ["escalate", "clusterroles.rbac.authorization.k8s.io", undefined],
      ["watch", "functions.eventflow.dev", "default"],
      ["deletecollection", "functions.eventflow.dev", FUNCTIONS],
      ["create", "customresourcedefinitions.apiextensions.k8s.io", undefined],
      ["list", "gateways.gateway.networking.k8s.io", FUNCTIONS],
      ["delete", "leases.coordination.k8s.io", SYSTEM],
      ["update", "leases.coordination.k8s.io", FUNCTIONS],
      ["get", "leases.coordination.k8s.io", "kube-system"],
      ["create", "leases.coordination.k8s.io", undefined],
    ] as const)
      expect(await canI(verb, resource, ns), `${verb} ${resource} in ${ns ?? "all"}`).toBe(false);
  });
});
