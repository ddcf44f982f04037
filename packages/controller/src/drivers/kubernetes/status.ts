import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import { crashReasonOf } from "../crash-reason.js";
import type { FunctionPhase, FunctionSpec, FunctionStatus } from "../driver.js";
import { CONTAINER_NAME, FIELD_MANAGER, SPEC_ANNOTATION } from "./labels.js";
import type { FunctionObject } from "./reconcile/function-desired.js";

type LastError = NonNullable<FunctionStatus["last_error"]>;

const IMAGE_REASONS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "ErrImageNeverPull",
  "RegistryUnavailable",
]);
const CRASH_REASONS = new Set(["CrashLoopBackOff", "RunContainerError", "CreateContainerError"]);

const iso = (t: Date | string | undefined, fallback: string): string =>
  t === undefined ? fallback : t instanceof Date ? t.toISOString() : new Date(t).toISOString();

// Informers replace an object on every change, so a parsed spec can be kept per object: a LIST
// of 1000 functions then parses no JSON.
const parsedSpecs = new WeakMap<V1Deployment, FunctionSpec | null>();

/** Reads the FunctionSpec the driver stored on a Deployment, or undefined if it is not ours. */
export function specOf(deployment: V1Deployment): FunctionSpec | undefined {
  const cached = parsedSpecs.get(deployment);
  if (cached !== undefined) return cached ?? undefined;
  const raw = deployment.metadata?.annotations?.[SPEC_ANNOTATION];
  let spec: FunctionSpec | null = null;
  if (raw) {
    try {
      spec = Object.freeze(JSON.parse(raw) as FunctionSpec);
    } catch {
      spec = null;
    }
  }
  parsedSpecs.set(deployment, spec);
  return spec ?? undefined;
}

/**
 * The error line of a container's last exit: the kubelet keeps the tail of its log as the
 * termination message (the container asks for `FallbackToLogsOnError`), where Node printed the
 * uncaught exception; the line that names it, not Node's version footer.
 */
function crashLine(message: string | undefined): string | undefined {
  return message ? crashReasonOf(message.split("\n")) : undefined;
}

/** The reason a user needs, from the pods: image pull, crash loop, unschedulable (pure). */
export function podProblem(pods: readonly V1Pod[], now: string): LastError | undefined {
  for (const pod of pods) {
    for (const cs of pod.status?.containerStatuses ?? []) {
      if (cs.name !== CONTAINER_NAME) continue;
      const reason = cs.state?.waiting?.reason;
      const detail = cs.state?.waiting?.message ?? reason ?? "";
      // An env secret (or key of one) that is gone: the kubelet names the Secret, never a value.
      if (reason === "CreateContainerConfigError" && /secret/i.test(detail))
        return { code: "FUNCTION_SECRET_MISSING", message: `${reason}: ${detail}`, at: now };
      if (reason && IMAGE_REASONS.has(reason))
        return { code: "FUNCTION_IMAGE_NOT_FOUND", message: `${reason}: ${detail}`, at: now };
      if (reason && CRASH_REASONS.has(reason)) {
        const exit = cs.lastState?.terminated?.exitCode;
        const suffix = exit === undefined ? "" : ` (last exit code ${exit})`;
        const line = crashLine(cs.lastState?.terminated?.message);
        const why = line === undefined ? "" : `: ${line}`;
        return { code: "FUNCTION_CRASH_LOOP", message: `${reason}${suffix}${why}`, at: now };
      }
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable")
      return {
        code: "FUNCTION_UNSCHEDULABLE",
        message: scheduled.message ?? "Unschedulable",
        at: iso(scheduled.lastTransitionTime, now),
      };
  }
  return undefined;
}

/**
 * The most recent container restart of a live pod (killed, crashed once, OOM): not a problem
 * that changes the phase (Kubernetes restarted it), but what a user asking "what happened to
 * my function" needs to see, until the pod is replaced (pure).
 */
export function podRestart(pods: readonly V1Pod[], now: string): LastError | undefined {
  let last:
    | { pod: string; restarts: number; exit?: number; reason?: string; line?: string; at: string }
    | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    for (const cs of pod.status?.containerStatuses ?? []) {
      if (cs.name !== CONTAINER_NAME || cs.restartCount === 0) continue;
      const t = cs.lastState?.terminated;
      const at = iso(t?.finishedAt, now);
      if (last && last.at >= at) continue;
      const line = crashLine(t?.message);
      last = {
        pod: pod.metadata?.name ?? "",
        restarts: cs.restartCount,
        ...(t?.exitCode === undefined ? {} : { exit: t.exitCode }),
        ...(t?.reason === undefined ? {} : { reason: t.reason }),
        ...(line === undefined ? {} : { line }),
        at,
      };
    }
  }
  if (!last) return undefined;
  const times = last.restarts === 1 ? "1 time" : `${last.restarts} times`;
  const exit = last.exit === undefined ? "" : `; last exit code ${last.exit}`;
  const why = last.reason === undefined ? "" : ` (${last.reason})`;
  const line = last.line === undefined ? "" : `: ${last.line}`;
  return {
    code: "FUNCTION_REPLICA_RESTARTED",
    message: `replica ${last.pod} restarted ${times}${exit}${why}${line}`,
    at: last.at,
  };
}

/** The reason from the Deployment's conditions: quota refusals and stuck rollouts (pure). */
export function deploymentProblem(d: V1Deployment, now: string): LastError | undefined {
  for (const c of d.status?.conditions ?? []) {
    const at = iso(c.lastTransitionTime, now);
    if (c.type === "ReplicaFailure" && c.status === "True") {
      const quota = c.message?.includes("exceeded quota") ?? false;
      return {
        code: quota ? "KUBERNETES_QUOTA_EXCEEDED" : "FUNCTION_UNSCHEDULABLE",
        message: c.message ?? c.reason ?? "ReplicaFailure",
        at,
      };
    }
    if (c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded")
      return { code: "FUNCTION_NOT_READY", message: c.message ?? c.reason, at };
  }
  return undefined;
}

/** When our field manager last changed the Deployment (its managedFields entry). */
function appliedAt(d: V1Deployment, fallback: string): string {
  const entry = d.metadata?.managedFields?.find(
    (f) => f.manager === FIELD_MANAGER && f.operation === "Apply",
  );
  return iso(entry?.time, fallback);
}

function phaseOf(
  d: V1Deployment,
  pods: readonly V1Pod[],
  desired: number,
  problem: LastError | undefined,
): FunctionPhase {
  const st = d.status ?? {};
  const ready = st.readyReplicas ?? 0;
  const total = st.replicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp).length;
  if (problem && problem.code !== "FUNCTION_NOT_READY" && ready === 0 && desired > 0)
    return problem.code === "FUNCTION_UNSCHEDULABLE" ? "Pending" : "Failed";
  if (problem?.code === "FUNCTION_NOT_READY") return ready > 0 ? "Degraded" : "Failed";
  if (problem) return "Degraded";
  if (desired === 0) return total === 0 && live === 0 ? "ScaledToZero" : "Deploying";
  const observed = (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  if (!observed || total === 0) return live === 0 ? "Pending" : "Deploying";
  if (updated < desired || total > updated) return "Deploying";
  if (ready >= desired) return "Running";
  return ready > 0 ? "Degraded" : "Deploying";
}

/**
 * Builds the API's view of one function from its Deployment and pods, as the informers hold
 * them (pure: no API call).
 */
export function buildKubernetesStatus(
  d: V1Deployment,
  pods: readonly V1Pod[],
  now: string,
  spec: FunctionSpec | undefined = specOf(d),
): FunctionStatus | undefined {
  if (!spec) return undefined;
  const desired = d.spec?.replicas ?? spec.replicas;
  const problem = podProblem(pods, now) ?? deploymentProblem(d, now);
  // A restart is shown when nothing worse is, and does not change the phase.
  const lastError = problem ?? podRestart(pods, now);
  const created = iso(d.metadata?.creationTimestamp, now);
  const st = d.status ?? {};
  return {
    name: spec.name,
    tenant: spec.tenant,
    image: spec.image,
    replicas: desired,
    available_replicas: st.availableReplicas ?? 0,
    ready_replicas: st.readyReplicas ?? 0,
    updated_replicas: st.updatedReplicas ?? 0,
    status: phaseOf(d, pods, desired, problem),
    created_at: created,
    updated_at: appliedAt(d, created),
    ...(lastError ? { last_error: lastError } : {}),
    spec,
  };
}

/** The API's status of a Function that has no Deployment of its own yet (or a refused spec). */
export function functionOnlyStatus(
  fn: FunctionObject,
  tenant: string,
  spec: FunctionSpec | EventFlowError,
  now: string,
): FunctionStatus {
  const name = fn.metadata?.name ?? "";
  const raw = (fn.spec ?? {}) as { image?: unknown; replicas?: unknown };
  const valid = spec instanceof EventFlowError ? undefined : spec;
  const reported = fn.status?.lastError ?? undefined;
  const lastError =
    reported ??
    (spec instanceof EventFlowError
      ? { code: spec.code, message: spec.message, at: now }
      : undefined);
  const created = fn.metadata?.creationTimestamp
    ? new Date(fn.metadata.creationTimestamp).toISOString()
    : now;
  return {
    name,
    tenant,
    image: valid?.image ?? (typeof raw.image === "string" ? raw.image : ""),
    replicas: valid?.replicas ?? (typeof raw.replicas === "number" ? raw.replicas : 0),
    available_replicas: 0,
    ready_replicas: 0,
    updated_replicas: 0,
    status: lastError ? "Failed" : "Pending",
    created_at: created,
    updated_at: created,
    ...(lastError ? { last_error: lastError } : {}),
    spec: valid ?? ({ tenant, name, image: "", replicas: 0 } as FunctionSpec),
  };
}
