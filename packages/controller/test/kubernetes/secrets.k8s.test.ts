/**
 * Tier 4: the Kubernetes driver's secrets against a real control plane (kwok runs the pods):
 * the Secret and its index ConfigMap, create/replace semantics from the API server, pods that
 * mount them, rolling on a rewrite, FUNCTION_SECRET_MISSING before anything is applied, and
 * tenants that share a namespace kept apart.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunctionSpec, SecretData } from "../../src/drivers/driver.js";
import {
  createKubernetesDriver,
  type KubernetesDriver,
} from "../../src/drivers/kubernetes/index.js";
import { SECRETS_ANNOTATION } from "../../src/drivers/kubernetes/build-secret.js";
import { eventually, statusOf, type Apis } from "./support/k8s.js";
import { startRestrictedDriver, type RestrictedDriver } from "./support/restricted-driver.js";

const IMAGE = "registry.invalid/eventflow/hello:1";
const run = randomBytes(3).toString("hex");
const NS = `ef-sec-${run}`;
const PREFIX = `ef-${run}-`;

let env: RestrictedDriver;
let api: Apis;
let driver: KubernetesDriver;
let tenants: KubernetesDriver;

const text = (v: string) => new TextEncoder().encode(v);
const data = (values: Record<string, string>): SecretData =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, text(v)]));
const spec = (name: string, patch: Partial<FunctionSpec> = {}): FunctionSpec => ({
  tenant: "acme",
  name,
  image: IMAGE,
  replicas: 1,
  ...patch,
});
const readDeployment = (name: string, namespace = NS) =>
  api.apps.readNamespacedDeployment({ name, namespace });

beforeAll(async () => {
  env = await startRestrictedDriver(NS);
  ({ api, driver } = env);
  tenants = createKubernetesDriver({
    kubeconfig: env.cluster.kubeconfig,
    namespacePrefix: PREFIX,
    leaderElection: false,
  });
  await tenants.start();
}, 900_000);

afterAll(async () => {
  await tenants?.close();
  if (api)
    for (const ns of [`${PREFIX}red`, `${PREFIX}blue`])
      await api.core.deleteNamespace({ name: ns }).catch(() => {});
  await env?.stop();
}, 120_000);

describe("secrets in one namespace", { timeout: 120_000 }, () => {
  const store = () => driver.secrets;

  it("create: a labelled Opaque Secret with the values, an index with key names only", async () => {
    const meta = await store().put(
      "acme",
      "stripe",
      data({ API_KEY: "sk_one", "ca.pem": "PEM" }),
      "create",
    );
    expect(meta).toMatchObject({ tenant: "acme", name: "stripe", keys: ["API_KEY", "ca.pem"] });
    const secret = await api.core.readNamespacedSecret({
      name: "eventflow-secret.acme.stripe",
      namespace: NS,
    });
    expect(secret.type).toBe("Opaque");
    expect(secret.metadata?.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "eventflow",
      "eventflow.dev/tenant": "acme",
      "eventflow.dev/secret": "stripe",
    });
    expect(Buffer.from(secret.data!.API_KEY!, "base64").toString()).toBe("sk_one");
    const index = await api.core.readNamespacedConfigMap({
      name: "eventflow-secret.acme.stripe",
      namespace: NS,
    });
    expect(JSON.stringify(index)).not.toContain("sk_one");
    expect(JSON.stringify(index)).not.toContain(Buffer.from("sk_one").toString("base64"));
    expect(await store().get("acme", "stripe")).toEqual(meta);
  });

  it("create of a taken name is SECRET_ALREADY_EXISTS (the server's 409), values untouched", async () => {
    await expect(
      store().put("acme", "stripe", data({ API_KEY: "sk_evil" }), "create"),
    ).rejects.toMatchObject({ code: "SECRET_ALREADY_EXISTS" });
    const secret = await api.core.readNamespacedSecret({
      name: "eventflow-secret.acme.stripe",
      namespace: NS,
    });
    expect(Buffer.from(secret.data!.API_KEY!, "base64").toString()).toBe("sk_one");
  });

  it("replace of an absent secret is SECRET_NOT_FOUND and creates nothing", async () => {
    await expect(store().put("acme", "nope", data({ A: "1" }), "replace")).rejects.toMatchObject({
      code: "SECRET_NOT_FOUND",
    });
    expect(
      await statusOf(() =>
        api.core.readNamespacedSecret({ name: "eventflow-secret.acme.nope", namespace: NS }),
      ),
    ).toBe(404);
  });

  it("another tenant sharing the namespace neither sees nor mounts it, and may use the same name", async () => {
    await expect(store().get("evil", "stripe")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    expect(await store().list("evil")).toEqual([]);
    await expect(
      driver.create(
        spec("thief", { tenant: "evil", secrets: [{ name: "stripe", mount: "files" }] }),
      ),
    ).rejects.toMatchObject({ code: "FUNCTION_SECRET_MISSING" });
    expect(await statusOf(() => readDeployment("thief"))).toBe(404);
    await store().put("evil", "stripe", data({ API_KEY: "other" }), "create");
    expect((await store().list()).map((m) => `${m.tenant}/${m.name}`)).toEqual([
      "acme/stripe",
      "evil/stripe",
    ]);
    await store().delete("evil", "stripe");
  });

  it("a forged index (wrong labels for its name) is not a secret", async () => {
    await api.core.createNamespacedConfigMap({
      namespace: NS,
      body: {
        metadata: {
          name: "eventflow-secret.acme.forged",
          labels: {
            "app.kubernetes.io/managed-by": "eventflow",
            "eventflow.dev/tenant": "other",
            "eventflow.dev/secret": "forged",
          },
        },
        data: { keys: '["A"]', version: "1", createdAt: "2026-01-01T00:00:00Z" },
      },
    });
    await expect(store().get("acme", "forged")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
    expect((await store().list()).map((m) => m.name)).not.toContain("forged");
  });

  it("a function mounts it: a 0440 read-only volume and secretKeyRef env, Running", async () => {
    await store().put("acme", "db", data({ PASSWORD: "pw1", USER: "app" }), "create");
    await driver.create(
      spec("reader", {
        secrets: [
          { name: "stripe", mount: "files", keys: ["API_KEY"] },
          { name: "db", mount: "env" },
        ],
      }),
    );
    const d = await readDeployment("reader");
    const pod = d.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({
      name: "secret-0",
      secret: {
        secretName: "eventflow-secret.acme.stripe",
        defaultMode: 0o440,
        items: [{ key: "API_KEY", path: "API_KEY" }],
      },
    });
    const env = pod.containers[0]!.env!;
    expect(env.filter((e) => e.valueFrom).map((e) => e.name)).toEqual(["PASSWORD", "USER"]);
    expect(JSON.stringify(d)).not.toContain("pw1");
    await eventually(
      async () => (await driver.get("acme", "reader")).status === "Running",
      60_000,
      "reader Running",
    );
  });

  it("replace rolls the functions that use it and only those", async () => {
    await driver.create(spec("bystander"));
    const before = await readDeployment("reader");
    const other = await readDeployment("bystander");
    const old = await store().get("acme", "db");
    const meta = await store().put("acme", "db", data({ PASSWORD: "pw2", USER: "app" }), "replace");
    expect(meta.version).not.toBe(old.version);
    expect(meta.createdAt).toBe(old.createdAt);
    // The reconciler sees the index change and rolls the functions that name the secret.
    const after = await eventually(async () => {
      const d = await readDeployment("reader");
      return d.metadata!.generation! > before.metadata!.generation! ? d : undefined;
    });
    expect(after.spec?.template.metadata?.annotations?.[SECRETS_ANNOTATION]).not.toBe(
      before.spec?.template.metadata?.annotations?.[SECRETS_ANNOTATION],
    );
    expect((await readDeployment("bystander")).metadata?.generation).toBe(
      other.metadata?.generation,
    );
    const secret = await api.core.readNamespacedSecret({
      name: "eventflow-secret.acme.db",
      namespace: NS,
    });
    expect(Buffer.from(secret.data!.PASSWORD!, "base64").toString()).toBe("pw2");
  });

  it("replace with fewer keys drops the others from the Secret", async () => {
    await store().put("acme", "stripe", data({ "ca.pem": "PEM2" }), "replace");
    const secret = await api.core.readNamespacedSecret({
      name: "eventflow-secret.acme.stripe",
      namespace: NS,
    });
    expect(Object.keys(secret.data ?? {})).toEqual(["ca.pem"]);
    expect((await store().get("acme", "stripe")).keys).toEqual(["ca.pem"]);
  });

  it("an update naming a missing key is refused before anything is applied", async () => {
    const before = await readDeployment("bystander");
    await expect(
      driver.update(
        spec("bystander", { secrets: [{ name: "db", mount: "files", keys: ["NOPE"] }] }),
      ),
    ).rejects.toMatchObject({
      code: "FUNCTION_SECRET_MISSING",
      details: { secret: "db", key: "NOPE" },
    });
    expect((await readDeployment("bystander")).metadata?.generation).toBe(
      before.metadata?.generation,
    );
  });

  it("a Secret the API server refuses leaves no index behind (create) or the old one (replace)", async () => {
    // A key Kubernetes refuses (the API's schema refuses it first; the store must not rely on it).
    const bad = data({ "..data": "x" });
    await expect(store().put("acme", "broken", bad, "create")).rejects.toMatchObject({
      code: "KUBERNETES_INVALID",
    });
    await expect(store().get("acme", "broken")).rejects.toMatchObject({
      code: "SECRET_NOT_FOUND",
    });
    const before = await store().get("acme", "stripe");
    await expect(store().put("acme", "stripe", bad, "replace")).rejects.toMatchObject({
      code: "KUBERNETES_INVALID",
    });
    expect(await store().get("acme", "stripe")).toEqual(before);
  });

  it("the Secret is owned by its index: deleting the index alone collects the values", async () => {
    await store().put("acme", "owned", data({ K: "v" }), "create");
    const name = "eventflow-secret.acme.owned";
    const index = await api.core.readNamespacedConfigMap({ name, namespace: NS });
    const secret = await api.core.readNamespacedSecret({ name, namespace: NS });
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "ConfigMap",
      uid: index.metadata?.uid,
    });
    await api.core.deleteNamespacedConfigMap({ name, namespace: NS });
    await eventually(
      async () =>
        (await statusOf(() => api.core.readNamespacedSecret({ name, namespace: NS }))) === 404,
      30_000,
      "the Secret collected",
    );
  });

  it("delete removes the Secret and its index; a second delete is SECRET_NOT_FOUND", async () => {
    await store().delete("acme", "db");
    for (const read of [
      () => api.core.readNamespacedSecret({ name: "eventflow-secret.acme.db", namespace: NS }),
      () => api.core.readNamespacedConfigMap({ name: "eventflow-secret.acme.db", namespace: NS }),
    ])
      expect(await statusOf(read)).toBe(404);
    await expect(store().delete("acme", "db")).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
  });
});

describe("secrets with a namespace per tenant", { timeout: 120_000 }, () => {
  it("a tenant's first secret creates its namespace; each tenant lists only its own", async () => {
    await tenants.secrets.put("red", "key", data({ K: "r" }), "create");
    await tenants.secrets.put("blue", "key", data({ K: "b" }), "create");
    expect(
      await statusOf(() =>
        api.core.readNamespacedSecret({
          name: "eventflow-secret.red.key",
          namespace: `${PREFIX}red`,
        }),
      ),
    ).toBe(200);
    expect((await tenants.secrets.list("red")).map((m) => m.tenant)).toEqual(["red"]);
    const all = (await tenants.secrets.list()).filter((m) => ["red", "blue"].includes(m.tenant));
    expect(all.map((m) => m.tenant)).toEqual(["blue", "red"]);
    expect(await tenants.secrets.list("green")).toEqual([]);
  });
});
