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
  revisionName,
  revisionOfWorkload,
  SCALING_DEFAULTS,
  type FunctionScaling,
} from "@eventflow/protocol";
import type {
  Driver,
  DriverLogger,
  FunctionSpec,
  FunctionStatus,
  StoredRevision,
} from "../drivers/driver.js";
import { percentOf, type FunctionTraffic } from "./traffic-table.js";

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
    // A workload's name gets no answer here, so `get` refuses it.
    ...(driver.invokeInfo === undefined
      ? {}
      : {
          invokeInfo: (tenant: string, name: string) =>
            isRevisionWorkload(name) ? undefined : driver.invokeInfo!(tenant, name),
        }),
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

/** Dependencies of {@link createWorkloadKeeper}. */
export interface WorkloadKeeperDeps {
  /** The driver that sees revision workloads. */
  readonly driver: Pick<Driver, "list" | "create" | "delete" | "waitForEndpoint">;
  readonly logger: DriverLogger;
  readonly now: () => number;
  /** How long a workload of a revision that takes no requests is kept: in-flight ones end. */
  readonly idleGraceMs: number;
  /** A revision stopped being live: its metric series can go. */
  readonly onRevisionGone?: (tenant: string, fn: string, revision: string) => void;
}

/** Creates, warms and removes the workloads of revisions other than the newest. */
export function createWorkloadKeeper(deps: WorkloadKeeperDeps) {
  const { driver, logger, now } = deps;
  /** Workloads no traffic names, since when (`tenant/hello-00004`). */
  const idleSince = new Map<string, number>();
  const keyOf = (tenant: string, name: string) => `${tenant}/${name}`;

  return {
    /** Creates the workloads `traffic` needs that do not exist, from the revisions' specs. */
    async ensure(
      status: FunctionStatus,
      traffic: FunctionTraffic,
      revisions: readonly StoredRevision[],
    ): Promise<void> {
      const { tenant, name } = status;
      const existing = new Set((await driver.list(tenant)).map((s) => s.name));
      for (const n of traffic.workloads) {
        const workload = revisionName(name, n);
        idleSince.delete(keyOf(tenant, workload));
        if (existing.has(workload)) continue;
        const revision = revisions.find((r) => r.number === n);
        if (revision === undefined) continue;
        const replicas = percentOf(traffic, n) > 0 ? 1 : 0;
        try {
          await driver.create(revisionWorkloadSpec(revision, workload, replicas));
          logger.info({ tenant, function: name, revision: workload }, "revision workload created");
        } catch (error) {
          if (!(error instanceof EventFlowError && error.code === "FUNCTION_ALREADY_EXISTS"))
            throw error;
        }
      }
    },

    /** Resolves when every revision of `traffic` that takes requests has a ready replica. */
    async warm(status: FunctionStatus, traffic: FunctionTraffic, timeoutMs: number): Promise<void> {
      await Promise.all(
        traffic.workloads
          .filter((n) => percentOf(traffic, n) > 0)
          .map((n) =>
            driver.waitForEndpoint(status.tenant, revisionName(status.name, n), timeoutMs),
          ),
      );
    },

    /**
     * Removes the workloads of `all` (every driver function) whose function is gone at once, and
     * those `needed` says no traffic names after the idle grace.
     */
    async collect(
      all: readonly FunctionStatus[],
      needed: (tenant: string, fn: string, revision: number) => boolean,
    ): Promise<void> {
      const functions = new Set(
        all.filter((s) => !isRevisionWorkload(s.name)).map((s) => keyOf(s.tenant, s.name)),
      );
      for (const s of all) {
        const owner = ownerOfWorkload(s.name);
        if (owner === undefined) continue;
        const key = keyOf(s.tenant, s.name);
        const alive = functions.has(keyOf(s.tenant, owner.function));
        if (alive && needed(s.tenant, owner.function, owner.number)) {
          idleSince.delete(key);
          continue;
        }
        const since = idleSince.get(key) ?? now();
        idleSince.set(key, since);
        if (alive && now() - since < deps.idleGraceMs) continue;
        idleSince.delete(key);
        await driver.delete(s.tenant, s.name);
        deps.onRevisionGone?.(s.tenant, owner.function, s.name);
        logger.info(
          { tenant: s.tenant, function: owner.function, revision: s.name },
          "revision workload removed",
        );
      }
    },
  };
}
