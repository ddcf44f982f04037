/**
 * Functions written before Function objects existed: a Deployment carrying the spec annotation
 * and no controller owner. Its spec, at the replica count it runs at, becomes a Function the
 * reconciler adopts (the Deployment it builds is the one that is there, so no pod restarts).
 */
import { resolveScaling } from "@eventflow/protocol";
import type { V1Deployment } from "@kubernetes/client-node";
import type { DriverLogger, FunctionSpec } from "../driver.js";
import type { ClusterCache } from "./cluster-cache.js";
import { apiStatus } from "./errors.js";
import { LABEL, MANAGED_BY, functionKey, type ObjectRef } from "./labels.js";
import { buildFunctionObject, type FunctionObject } from "./reconcile/function-desired.js";
import { specOf } from "./status.js";

/** The spec to adopt a legacy Deployment with, or undefined when it is not one (pure). */
export function adoptableSpec(d: V1Deployment): FunctionSpec | undefined {
  if (d.metadata?.deletionTimestamp) return undefined;
  if (d.metadata?.ownerReferences?.some((o) => o.controller)) return undefined;
  if (d.metadata?.labels?.[LABEL.managedBy] !== MANAGED_BY) return undefined;
  const spec = specOf(d);
  if (!spec || spec.name !== d.metadata?.name) return undefined;
  // A scaled function (woken from zero, `scale`) keeps running at its live count.
  const live = d.spec?.replicas;
  return resolveScaling(spec).mode === "resource" || live === undefined || live === spec.replicas
    ? spec
    : { ...spec, replicas: live };
}

/** What {@link adoptLegacyDeployments} works with. */
export interface AdoptDeps {
  readonly cache: Pick<ClusterCache, "deployments" | "function">;
  readonly refOf: (tenant: string, name: string) => ObjectRef;
  /** Creates a Function object (POST: one that exists already is a 409, left alone). */
  readonly create: (ref: ObjectRef, body: FunctionObject) => Promise<unknown>;
  readonly logger?: DriverLogger;
}

/**
 * Gives every adoptable Deployment in the cache, in its tenant's namespace and without a
 * Function of its name, a Function with its spec; a failure is logged and the rest go on.
 */
export async function adoptLegacyDeployments(deps: AdoptDeps): Promise<void> {
  for (const d of deps.cache.deployments()) {
    const spec = adoptableSpec(d);
    if (!spec || deps.cache.function(d.metadata?.namespace ?? "", d.metadata?.name ?? "")) continue;
    const ref = deps.refOf(spec.tenant, spec.name);
    if (ref.namespace !== d.metadata?.namespace) continue;
    const key = functionKey(spec.tenant, spec.name);
    try {
      await deps.create(ref, buildFunctionObject(spec, ref));
      deps.logger?.info({ function: key }, "adopted");
    } catch (error) {
      if (apiStatus(error) === 409) continue;
      deps.logger?.warn(
        { function: key, err: String(error) },
        "could not adopt a function's Deployment",
      );
    }
  }
}
