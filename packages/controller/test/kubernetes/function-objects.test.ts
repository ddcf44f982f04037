import { ApiException, type KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { FunctionSpec } from "../../src/drivers/driver.js";
import { createFunctionObjects } from "../../src/drivers/kubernetes/function-objects.js";

// The write step of the Kubernetes driver alone, over a recording stand-in for the API server
// (driver.k8s.test.ts runs the same step against the real one): what is applied, in which
// order, with which owner, and how each step's failure is reported.
const spec = (scaling?: FunctionSpec["scaling"]): FunctionSpec => ({
  tenant: "acme",
  name: "hello",
  image: "registry.example/hello:1",
  replicas: 2,
  ...(scaling ? { scaling } : {}),
});

function fake(deleteStatus?: number) {
  const calls: string[] = [];
  const objects = {
    async read<T>(o: KubernetesObject): Promise<T> {
      calls.push(`read ${o.kind}`);
      throw new ApiException(404, "not found", { kind: "Status", message: "nope" }, {});
    },
    async delete(o: KubernetesObject, ...rest: unknown[]) {
      calls.push(
        `delete ${o.kind} ${o.metadata?.namespace}/${o.metadata?.name} ${rest.at(-1) ?? ""}`.trim(),
      );
      if (deleteStatus !== undefined)
        throw new ApiException(deleteStatus, "failed", { kind: "Status", message: "boom" }, {});
      return {};
    },
  };
  const applied: KubernetesObject[] = [];
  const fns = createFunctionObjects({
    objects: objects as never,
    apply: async <T extends KubernetesObject>(body: T) => {
      applied.push(body);
      calls.push(`apply ${body.kind}`);
      return { ...body, metadata: { ...body.metadata, uid: "uid-1" } } as T;
    },
    refOf: (tenant, name) => ({ namespace: `ef-${tenant}`, name }),
    deployment: { podAnnotations: { a: "b" } },
    resolveSecrets: async () => new Map(),
  });
  return { calls, applied, fns };
}

describe("function objects (write step)", () => {
  it("applies the Deployment, then the Service and HPA it owns", async () => {
    const { calls, applied, fns } = fake();
    await fns.write(spec({ minReplicas: 1, maxReplicas: 3, targetCPUUtilization: 70 }));
    expect(calls).toEqual(["apply Deployment", "apply Service", "apply HorizontalPodAutoscaler"]);
    for (const owned of applied.slice(1))
      expect(owned.metadata?.ownerReferences?.[0]).toMatchObject({
        kind: "Deployment",
        uid: "uid-1",
      });
    expect(applied[0]!.metadata?.namespace).toBe("ef-acme");
  });

  it("removes an HPA the spec no longer asks for; one already gone is fine", async () => {
    const { calls, fns } = fake(404);
    await fns.write(spec(), 0);
    expect(calls).toEqual([
      "apply Deployment",
      "apply Service",
      "delete HorizontalPodAutoscaler ef-acme/hello",
    ]);
  });

  it("reports a failed step with the function and the step", async () => {
    const { fns } = fake(500);
    await expect(fns.write(spec())).rejects.toMatchObject({
      message: expect.stringContaining("delete HPA of acme/hello"),
    });
  });

  it("reads past the cache (404: none) and deletes in the background", async () => {
    const { calls, fns } = fake();
    expect(await fns.readLive("acme", "hello")).toBeUndefined();
    await fns.remove("acme", "hello");
    expect(calls).toEqual(["read Deployment", "delete Deployment ef-acme/hello Background"]);
  });
});
