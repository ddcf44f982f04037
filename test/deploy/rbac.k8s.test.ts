// RBAC proven: deploy/kustomize's ServiceAccount and roles are applied to the test cluster, and
// the real Kubernetes driver runs with that account's token (no admin credentials) through its
// whole job: create, update, scale, logs, delete, and tenant namespaces in the tenancy overlay.
// What it was not granted is refused with 403. Secrets: it writes them but may read none, and
// the admission policy of deploy/kustomize/base admits writes only to EventFlow's own.
import { randomBytes } from "node:crypto";
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKubernetesDriver,
  type KubernetesDriver,
} from "../../packages/controller/src/drivers/kubernetes/index.ts";
import type { FunctionStatus } from "../../packages/controller/src/drivers/driver.ts";
import {
  apisFor,
  eventually,
  statusOf,
} from "../../packages/controller/test/kubernetes/support/k8s.ts";
import {
  clusterKubeconfig,
  DEPLOY,
  dryRunThenApply,
  kustomize,
  serviceAccountKubeConfig,
  tool,
} from "./support.ts";

const SYSTEM = "eventflow-system";
const FUNCTIONS = "eventflow-functions";
const SA = "eventflow-controller";
const IMAGE = "registry.invalid/eventflow/hello:1";
const run = randomBytes(3).toString("hex");
const drivers: KubernetesDriver[] = [];

async function startDriver(kc: KubeConfig, options: Parameters<typeof createKubernetesDriver>[0]) {
  const d = createKubernetesDriver({ kubeconfig: kc, ...options });
  drivers.push(d);
  await d.start();
  return d;
}

function until(
  d: KubernetesDriver,
  tenant: string,
  name: string,
  ok: (s: FunctionStatus) => boolean,
) {
  return eventually(
    async () => {
      const s = await d.get(tenant, name);
      return ok(s) ? s : undefined;
    },
    45_000,
    `${tenant}/${name}`,
  );
}

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

let sa: KubeConfig;
let admin: ReturnType<typeof apisFor>;

beforeAll(async () => {
  admin = apisFor(clusterKubeconfig());
  const { dryRun, apply } = await dryRunThenApply(await kustomize(`${DEPLOY}/kustomize/base`));
  expect(dryRun.code, dryRun.stderr).toBe(0);
  expect(apply.code, apply.stderr).toBe(0);
  sa = await serviceAccountKubeConfig(SYSTEM, SA);
});

afterAll(async () => {
  await Promise.all(drivers.map((d) => d.close()));
  const ns = await admin.core.listNamespace({
    labelSelector: "app.kubernetes.io/managed-by=eventflow",
  });
  for (const n of ns.items)
    if (n.metadata?.name?.includes(run))
      await admin.core.deleteNamespace({ name: n.metadata.name });
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

describe("secrets: written, never read, and only EventFlow's own (RBAC + admission policy)", () => {
  let driver: KubernetesDriver;
  let core: CoreV1Api;
  const tenant = `s${run}`;
  const own = `eventflow-secret.${tenant}.api`;
  const labels = { "app.kubernetes.io/managed-by": "eventflow" };

  beforeAll(async () => {
    driver = await startDriver(sa, { namespace: FUNCTIONS, controllerNamespace: SYSTEM });
    core = sa.makeApiClient(CoreV1Api);
    // Secrets the controller did not make: one unlabelled under its own naming, one labelled
    // under another name, one of the cluster's own kind.
    for (const [name, l] of [
      [`eventflow-secret.${tenant}.foreign`, undefined],
      [`other-${run}`, labels],
      [`plain-${run}`, undefined],
    ] as const)
      await admin.core.createNamespacedSecret({
        namespace: FUNCTIONS,
        body: { metadata: { name, ...(l ? { labels: l } : {}) }, stringData: { k: "v" } },
      });
  });

  it("the driver's whole secret job runs on the ServiceAccount's token", async () => {
    const bytes = (v: string) => ({ KEY: new TextEncoder().encode(v) });
    // The policy is compiled a moment after its binding is applied.
    await eventually(
      async () => (await driver.secrets.put(tenant, "api", bytes("one"), "create")).version,
      20_000,
      "first secret written",
    );
    await expect(driver.secrets.put(tenant, "api", bytes("dup"), "create")).rejects.toMatchObject({
      code: "SECRET_ALREADY_EXISTS",
    });
    const meta = await driver.secrets.put(tenant, "api", bytes("two"), "replace");
    expect(await driver.secrets.get(tenant, "api")).toEqual(meta);
    expect((await driver.secrets.list(tenant)).map((m) => m.name)).toEqual(["api"]);
    const stored = await admin.core.readNamespacedSecret({ name: own, namespace: FUNCTIONS });
    expect(Buffer.from(stored.data!.KEY!, "base64").toString()).toBe("two");
    await driver.secrets.delete(tenant, "api");
    expect(
      await statusOf(() => admin.core.readNamespacedSecret({ name: own, namespace: FUNCTIONS })),
    ).toBe(404);
  });

  it("cannot read any Secret, its own included (403)", async () => {
    await driver.secrets.put(tenant, "mine", { K: new TextEncoder().encode("v") }, "create");
    const name = `eventflow-secret.${tenant}.mine`;
    expect(await statusOf(() => core.readNamespacedSecret({ name, namespace: FUNCTIONS }))).toBe(
      403,
    );
    expect(await statusOf(() => core.listNamespacedSecret({ namespace: FUNCTIONS }))).toBe(403);
    expect(
      await statusOf(() => core.listNamespacedSecret({ namespace: FUNCTIONS, watch: true })),
    ).toBe(403);
  });

  it("admission refuses writes to Secrets it does not label or name as EventFlow's (403)", async () => {
    const patch = (name: string) =>
      statusOf(() =>
        core.patchNamespacedSecret(
          { name, namespace: FUNCTIONS, body: { stringData: { k: "stolen" } } },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      );
    for (const name of [`eventflow-secret.${tenant}.foreign`, `other-${run}`, `plain-${run}`]) {
      expect(await patch(name), `patch ${name}`).toBe(403);
      expect(
        await statusOf(() => core.deleteNamespacedSecret({ name, namespace: FUNCTIONS })),
        `delete ${name}`,
      ).toBe(403);
    }
    const create = (name: string, l?: Record<string, string>) =>
      statusOf(() =>
        core.createNamespacedSecret({
          namespace: FUNCTIONS,
          body: { metadata: { name, ...(l ? { labels: l } : {}) }, stringData: { k: "v" } },
        }),
      );
    expect(await create(`eventflow-secret.${tenant}.nolabel`)).toBe(403);
    expect(await create(`elsewhere-${run}`, labels)).toBe(403);
    expect(
      await statusOf(() =>
        core.createNamespacedSecret({
          namespace: FUNCTIONS,
          body: {
            metadata: {
              name: `eventflow-secret.${tenant}.token`,
              labels,
              annotations: { "kubernetes.io/service-account.name": "default" },
            },
            type: "kubernetes.io/service-account-token",
          },
        }),
      ),
    ).toBe(403);
    // Its own Secret cannot be unlabelled (and so taken out of the policy's reach).
    expect(
      await statusOf(() =>
        core.patchNamespacedSecret(
          {
            name: `eventflow-secret.${tenant}.mine`,
            namespace: FUNCTIONS,
            body: { metadata: { labels: { "app.kubernetes.io/managed-by": null } } },
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      ),
    ).toBe(403);
    // The foreign ones are untouched.
    const foreign = await admin.core.readNamespacedSecret({
      name: `other-${run}`,
      namespace: FUNCTIONS,
    });
    expect(Buffer.from(foreign.data!.k!, "base64").toString()).toBe("v");
  });

  it("the same for ConfigMaps: only its labelled eventflow-secret.* index objects", async () => {
    await admin.core.createNamespacedConfigMap({
      namespace: FUNCTIONS,
      body: { metadata: { name: `cm-${run}` }, data: { a: "1" } },
    });
    expect(
      await statusOf(() =>
        core.replaceNamespacedConfigMap({
          name: `cm-${run}`,
          namespace: FUNCTIONS,
          body: { metadata: { name: `cm-${run}` }, data: { a: "2" } },
        }),
      ),
    ).toBe(403);
    expect(
      await statusOf(() =>
        core.deleteNamespacedConfigMap({ name: `cm-${run}`, namespace: FUNCTIONS }),
      ),
    ).toBe(403);
  });
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
    // Another install than the single-tenant drivers still running in this file: its own Lease
    // (same Role), or the single-tenant replica holding theirs would be its reconciler too.
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
