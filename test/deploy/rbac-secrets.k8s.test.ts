// RBAC and admission for Secrets: the controller's ServiceAccount (deploy/kustomize/base) writes
// them but may read none, its own included, and the admission policy of the base admits writes
// only to EventFlow's own Secrets and ConfigMaps (labelled, named eventflow-secret.*).
import { randomBytes } from "node:crypto";
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesDriver } from "../../packages/controller/src/drivers/kubernetes/index.ts";
import { eventually, statusOf } from "../../packages/controller/test/kubernetes/support/k8s.ts";
import {
  FUNCTIONS,
  SYSTEM,
  startServiceAccountSuite,
  type ServiceAccountSuite,
} from "./rbac-support.ts";

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
