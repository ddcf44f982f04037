/**
 * Tier 4: request-driven functions on the Kubernetes driver against a real control plane (kwok
 * runs the pods): no HPA, the Deployment follows the Function's scale subresource, an update
 * keeps the autoscaler's count within the new bounds, a scale from zero asks for one replica,
 * and the API refuses `:scale` on such a function.
 */
import { randomBytes } from "node:crypto";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunctionSpec } from "../../src/drivers/driver.js";
import type { KubernetesDriver } from "../../src/drivers/kubernetes/index.js";
import { eventually, type Apis } from "./support/k8s.js";
import { startRestrictedDriver, type RestrictedDriver } from "./support/restricted-driver.js";

const IMAGE = "registry.invalid/eventflow/hello:1";
const NS = `ef-as-${randomBytes(3).toString("hex")}`;

let env: RestrictedDriver;
let api: Apis;
let driver: KubernetesDriver;

const spec = (
  scaling: FunctionSpec["scaling"],
  patch: Partial<FunctionSpec> = {},
): FunctionSpec => ({
  tenant: "acme",
  name: "auto",
  image: IMAGE,
  replicas: 1,
  ...(scaling ? { scaling } : {}),
  ...patch,
});

const deploymentReplicas = async () =>
  (await api.apps.readNamespacedDeployment({ name: "auto", namespace: NS })).spec?.replicas;
const functionReplicas = async () =>
  (
    (await api.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: "eventflow.dev",
      version: "v1alpha1",
      namespace: NS,
      plural: "functions",
      name: "auto",
    })) as { spec: { replicas: number } }
  ).spec.replicas;

beforeAll(async () => {
  env = await startRestrictedDriver(NS);
  ({ api, driver } = env);
}, 900_000);

afterAll(async () => {
  await env?.stop();
}, 120_000);

describe("request-driven functions on Kubernetes", { timeout: 120_000 }, () => {
  it("no HPA; the Deployment follows the scale subresource; an update keeps the count within the new bounds", async () => {
    await driver.create(spec({ minReplicas: 0, maxReplicas: 5, target: 10 }));
    expect(driver.autoscaled()).toEqual([
      expect.objectContaining({
        tenant: "acme",
        name: "auto",
        replicas: 1,
        scaling: expect.objectContaining({ mode: "request", metric: "concurrency", target: 10 }),
      }),
    ]);
    await expect(
      api.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: "auto", namespace: NS }),
    ).rejects.toMatchObject({ code: 404 });

    await driver.setReplicas("acme", "auto", 4);
    await eventually(async () => (await deploymentReplicas()) === 4, 30_000, "Deployment at 4");
    await eventually(
      async () => driver.autoscaled()[0]?.replicas === 4,
      10_000,
      "the cache sees 4",
    );

    // The body says replicas 1; the autoscaler's 4 stays, within the new maximum of 3.
    await driver.update(spec({ minReplicas: 0, maxReplicas: 3, target: 10 }, { env: { A: "1" } }));
    expect(await functionReplicas()).toBe(3);
    await eventually(async () => (await deploymentReplicas()) === 3, 30_000, "Deployment at 3");
  });

  it("a scale from zero asks for one replica through the scale subresource", async () => {
    await driver.setReplicas("acme", "auto", 0);
    await eventually(async () => (await deploymentReplicas()) === 0, 30_000, "Deployment at 0");
    await eventually(
      async () => driver.endpoints("acme", "auto").length === 0,
      30_000,
      "no endpoints",
    );
    await eventually(async () => driver.autoscaled()[0]?.replicas === 0, 10_000, "cache at 0");
    // kwok's pods have addresses nobody can reach: the wait may end either way; what matters
    // here is the write.
    await driver.waitForEndpoint("acme", "auto", 3_000).catch(() => undefined);
    expect(await functionReplicas()).toBe(1);
    await eventually(async () => (await deploymentReplicas()) === 1, 30_000, "Deployment at 1");
  });

  it("metric cpu: an HPA owns the replicas instead", async () => {
    await driver.update(spec({ metric: "cpu", minReplicas: 1, maxReplicas: 3 }));
    const hpa = await eventually(
      () =>
        api.autoscaling
          .readNamespacedHorizontalPodAutoscaler({ name: "auto", namespace: NS })
          .catch(() => undefined),
      30_000,
      "HPA",
    );
    expect(hpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    expect(driver.autoscaled()).toEqual([]);
    await driver.delete("acme", "auto");
  });
});
