/**
 * One function's objects on the cluster, written as the pure builders make them: the
 * Deployment, then the Service and HPA owned by it (or the HPA removed), by server-side apply
 * under one field manager; the live Deployment read past the cache; the Deployment deleted (its
 * owned objects follow). Every failure becomes an EventFlowError naming the function and step.
 */
import type { KubernetesObject, KubernetesObjectApi, V1Deployment } from "@kubernetes/client-node";
import type { FunctionSpec, SecretMeta } from "../driver.js";
import { buildDeployment, type DeploymentOptions } from "./build-deployment.js";
import { buildHpa, buildService } from "./build-service.js";
import { apiStatus, toEventFlowError } from "./errors.js";
import { functionKey, type ObjectRef } from "./labels.js";

/** What {@link createFunctionObjects} works with. */
export interface FunctionObjectsDeps {
  readonly objects: Pick<KubernetesObjectApi, "read" | "delete">;
  /** Server-side apply under the driver's field manager. */
  readonly apply: <T extends KubernetesObject>(body: T) => Promise<T>;
  readonly refOf: (tenant: string, name: string) => ObjectRef;
  /** Cluster-wide Deployment settings (pull secrets, pod annotations). */
  readonly deployment: Pick<DeploymentOptions, "imagePullSecrets" | "podAnnotations">;
  /** The index entries of the secrets a spec names (FUNCTION_SECRET_MISSING when one is gone). */
  readonly resolveSecrets: (spec: FunctionSpec) => Promise<ReadonlyMap<string, SecretMeta>>;
}

/** A step's failure as the API reports it. */
async function step<T>(fn: string, action: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toEventFlowError(error, { function: fn, action });
  }
}

/** Writes, reads and deletes the objects of one function. */
export function createFunctionObjects(deps: FunctionObjectsDeps) {
  const { objects, apply, refOf } = deps;
  const deploymentRef = (ref: ObjectRef) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: ref.name, namespace: ref.namespace },
  });

  return {
    /**
     * Applies the Deployment (at `replicas` instead of the spec's when given), then its Service
     * and HPA, or deletes an HPA the spec no longer asks for. The secrets are resolved first
     * unless `resolved` holds them already.
     */
    async write(
      spec: FunctionSpec,
      replicas?: number,
      resolved?: ReadonlyMap<string, SecretMeta>,
    ): Promise<V1Deployment> {
      const ref = refOf(spec.tenant, spec.name);
      const fn = functionKey(spec.tenant, spec.name);
      const secrets = resolved ?? (await deps.resolveSecrets(spec));
      const deployment = await step(fn, "apply Deployment", () =>
        apply(
          buildDeployment(spec, {
            ref,
            ...deps.deployment,
            ...(replicas !== undefined ? { replicas } : {}),
            secrets,
          }),
        ),
      );
      const uid = deployment.metadata?.uid ?? "";
      await step(fn, "apply Service", () => apply(buildService(spec, ref, uid)));
      const hpa = buildHpa(spec, ref, uid);
      if (hpa) await step(fn, "apply HPA", () => apply(hpa));
      else
        await step(fn, "delete HPA", async () => {
          try {
            await objects.delete({
              apiVersion: "autoscaling/v2",
              kind: "HorizontalPodAutoscaler",
              metadata: { name: ref.name, namespace: ref.namespace },
            });
          } catch (error) {
            if (apiStatus(error) !== 404) throw error;
          }
        });
      return deployment;
    },

    /** The live Deployment, past the cache (a create must not overwrite one it has not seen). */
    async readLive(tenant: string, name: string): Promise<V1Deployment | undefined> {
      try {
        return await objects.read<V1Deployment>(deploymentRef(refOf(tenant, name)));
      } catch (error) {
        if (apiStatus(error) === 404) return undefined;
        throw toEventFlowError(error, {
          function: functionKey(tenant, name),
          action: "read Deployment",
        });
      }
    },

    /** Deletes the Deployment; its Service, HPA and pods go with it (background propagation). */
    async remove(tenant: string, name: string): Promise<void> {
      const ref = refOf(tenant, name);
      await step(functionKey(tenant, name), "delete Deployment", () =>
        objects.delete(
          deploymentRef(ref),
          undefined,
          undefined,
          undefined,
          undefined,
          "Background",
        ),
      );
    },
  };
}

/** The function objects helper type. */
export type FunctionObjects = ReturnType<typeof createFunctionObjects>;
