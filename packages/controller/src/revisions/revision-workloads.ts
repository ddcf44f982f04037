/**
 * The workloads of revisions other than a function's newest: each runs under the revision's name
 * (`hello-00004`) as a function of the driver's, with the revision's spec, scaled by the
 * autoscaler on its own requests down to zero. Function names may not end like a revision's
 * (checkFunctionName), so the names cannot meet a user's function; the API never shows them:
 * {@link withRevisionWorkloads} hides them from lists and lookups and deletes them with their
 * function.
 */
import {
  EventFlowError,
  resolveScaling,
  revisionOfWorkload,
  SCALING_DEFAULTS,
  type FunctionScaling,
} from "@eventflow/protocol";
import type { Driver, FunctionSpec, FunctionStatus, StoredRevision } from "../drivers/driver.js";

/** Whether a driver function is a revision's workload (`hello-00004`), not a user's function. */
export function isRevisionWorkload(name: string): boolean {
  return revisionOfWorkload(name) !== undefined;
}

/** The function a revision workload belongs to and its revision number. */
export const ownerOfWorkload = revisionOfWorkload;

/**
 * How a revision's workload scales: on its own requests, down to zero when idle (an old
 * revision should cost nothing while nobody calls it). A request-driven revision keeps its
 * metric and targets; one scaled by hand or by CPU becomes request-driven on concurrency, up to
 * the replicas it had.
 */
export function workloadScaling(spec: StoredRevision["spec"], replicas: number): FunctionScaling {
  const resolved = resolveScaling({ ...spec, replicas });
  if (resolved.mode === "request")
    return {
      metric: resolved.metric,
      target: resolved.target,
      minReplicas: 0,
      maxReplicas: resolved.maxReplicas,
      scaleToZeroAfterSeconds: resolved.scaleToZeroAfterSeconds,
      scaleDownDelaySeconds: resolved.scaleDownDelaySeconds,
    };
  const most = resolved.mode === "manual" ? resolved.replicas : resolved.maxReplicas;
  return {
    metric: "concurrency",
    minReplicas: 0,
    maxReplicas: Math.max(1, most),
    scaleToZeroAfterSeconds: SCALING_DEFAULTS.scaleToZeroAfterSeconds,
  };
}

/**
 * The driver spec of revision `revision`'s workload, starting at `replicas`. Triggers and the
 * retry policy stay with the function (a schedule must not fire once per revision); auth, CORS,
 * limits and timeouts of an invoke are the function's whichever revision serves it.
 */
export function revisionWorkloadSpec(
  revision: StoredRevision,
  name: string,
  replicas: number,
): FunctionSpec {
  const { triggers: _t, retry: _r, ...spec } = revision.spec;
  return {
    ...spec,
    tenant: revision.tenant,
    name,
    replicas,
    scaling: workloadScaling(revision.spec, Math.max(1, replicas)),
  };
}

function notFound(name: string): EventFlowError {
  return new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`);
}

/**
 * The driver the API and everything above it use: revision workloads are not listed, cannot be
 * read, written or deleted by name, and deleting a function deletes its revisions' workloads.
 * Endpoints, logs and scaling still reach them by name (the invoke router and the autoscaler).
 */
export function withRevisionWorkloads(driver: Driver): Driver {
  const guard = (name: string) => {
    if (isRevisionWorkload(name)) throw notFound(name);
  };
  return Object.assign(Object.create(driver) as Driver, {
    async get(tenant: string, name: string): Promise<FunctionStatus> {
      guard(name);
      return driver.get(tenant, name);
    },
    async list(tenant?: string): Promise<FunctionStatus[]> {
      return (await driver.list(tenant)).filter((s) => !isRevisionWorkload(s.name));
    },
    async create(spec: FunctionSpec): Promise<FunctionStatus> {
      guard(spec.name);
      return driver.create(spec);
    },
    async update(spec: FunctionSpec): Promise<FunctionStatus> {
      guard(spec.name);
      return driver.update(spec);
    },
    async scale(tenant: string, name: string, replicas: number): Promise<FunctionStatus> {
      guard(name);
      return driver.scale(tenant, name, replicas);
    },
    async delete(tenant: string, name: string): Promise<void> {
      guard(name);
      await driver.delete(tenant, name);
      // Its revisions' workloads go with it (a failure here is retried by the traffic loop,
      // which removes workloads whose function is gone).
      const all = await driver.list(tenant);
      await Promise.all(
        all
          .filter((s) => ownerOfWorkload(s.name)?.function === name)
          .map((s) => driver.delete(tenant, s.name).catch(() => undefined)),
      );
    },
  });
}
