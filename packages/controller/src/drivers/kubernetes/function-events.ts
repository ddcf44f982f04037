/**
 * A function's recent events on Kubernetes (pure): the core/v1 Events of its Function,
 * Deployment, ReplicaSets, pods and HPA, and what its pods' statuses hold that no Event says
 * (a container's last exit code and reason such as OOMKilled, when a pod became ready).
 * Deploys come from the revisions, like on the local driver.
 */
import type { CoreV1Event, V1ObjectReference, V1Pod } from "@kubernetes/client-node";
import { mergeFunctionEvents, type FunctionEvent } from "@eventflow/protocol";
import { CONTAINER_NAME } from "./labels.js";

/** What {@link buildFunctionEvents} reads. */
export interface FunctionEventSource {
  /** The function's name: of its Function, Deployment, Service and HPA. */
  readonly name: string;
  /** Events of the function's namespace (others' are left out here). */
  readonly events: readonly CoreV1Event[];
  /** The function's pods now. */
  readonly pods: readonly V1Pod[];
}

const NAMED_LIKE_FUNCTION = new Set([
  "Function",
  "Deployment",
  "HorizontalPodAutoscaler",
  "Service",
]);

/**
 * Whether an Event is about one of the function's objects. A ReplicaSet is `<name>-<hash>` and a
 * pod `<name>-<hash>-<5 chars>`: the hash has no dash, so function `a` never claims `a-b`'s.
 */
export function isFunctionEvent(
  name: string,
  involved: V1ObjectReference | undefined,
  podNames: ReadonlySet<string> = new Set(),
): boolean {
  const object = involved?.name;
  if (object === undefined) return false;
  const kind = involved?.kind ?? "";
  if (NAMED_LIKE_FUNCTION.has(kind)) return object === name;
  if (!object.startsWith(`${name}-`)) return false;
  const rest = object.slice(name.length + 1);
  if (kind === "ReplicaSet") return /^[a-z0-9]{1,10}$/.test(rest);
  if (kind === "Pod") return podNames.has(object) || /^[a-z0-9]{1,10}-[a-z0-9]{5}$/.test(rest);
  return false;
}

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function timeOf(event: CoreV1Event): string {
  return (
    iso(event.series?.lastObservedTime) ??
    iso(event.lastTimestamp) ??
    iso(event.eventTime) ??
    iso(event.firstTimestamp) ??
    iso(event.metadata?.creationTimestamp) ??
    new Date(0).toISOString()
  );
}

type Mapped = Pick<FunctionEvent, "type" | "reason"> & Partial<FunctionEvent>;

function scaledOf(reason: string, message: string, by?: "autoscaler"): Mapped {
  const fromTo = /from (\d+) to (\d+)/.exec(message);
  const to = fromTo?.[2] ?? /(?:to|New size:) (\d+)/.exec(message)?.[1];
  return {
    type: "scaled",
    reason,
    ...(fromTo ? { from: Number(fromTo[1]) } : {}),
    ...(to === undefined ? {} : { to: Number(to) }),
    ...(by ? { by } : {}),
  };
}

function podEventOf(reason: string, message: string): Mapped | undefined {
  switch (reason) {
    case "BackOff":
      return /pull/i.test(message)
        ? { type: "failed", reason: "ImagePullBackOff" }
        : { type: "crashed", reason: "CrashLoopBackOff" };
    case "Failed":
      return /pull|image/i.test(message)
        ? { type: "failed", reason: "ImagePullFailed" }
        : { type: "failed", reason: "Failed" };
    case "OOMKilling":
      return { type: "crashed", reason: "OOMKilled" };
    case "Evicted":
      return { type: "crashed", reason: "Evicted" };
    case "Unhealthy":
    case "FailedScheduling":
    case "FailedMount":
    case "FailedCreatePodSandBox":
      return { type: "failed", reason };
    default:
      return undefined;
  }
}

/** One core/v1 Event as a function event; undefined for what a user need not see (Pulled, Started, ...). */
export function toFunctionEvent(event: CoreV1Event): FunctionEvent | undefined {
  const kind = event.involvedObject?.kind;
  const reason = event.reason ?? "";
  const message = event.message ?? "";
  let mapped: Mapped | undefined;
  if (kind === "Pod") mapped = podEventOf(reason, message);
  else if (kind === "Deployment" && reason === "ScalingReplicaSet")
    mapped = scaledOf(reason, message);
  else if (kind === "HorizontalPodAutoscaler" && reason === "SuccessfulRescale")
    mapped = scaledOf("Autoscaled", message, "autoscaler");
  if (mapped === undefined && event.type === "Warning")
    mapped = { type: "failed", reason: reason || "Warning" };
  if (mapped === undefined) return undefined;
  const count = event.series?.count ?? event.count;
  return {
    time: timeOf(event),
    ...mapped,
    message: message || reason,
    ...(kind === "Pod" && event.involvedObject.name ? { replica: event.involvedObject.name } : {}),
    ...(count !== undefined && count > 1 ? { count } : {}),
  };
}

/** What the pods' statuses say: each container's last exit, and when each pod became ready. */
export function podStatusEvents(pods: readonly V1Pod[]): FunctionEvent[] {
  const out: FunctionEvent[] = [];
  for (const pod of pods) {
    const replica = pod.metadata?.name ?? "";
    const ready = pod.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
    const readyAt = iso(ready?.lastTransitionTime);
    if (readyAt)
      out.push({
        time: readyAt,
        type: "ready",
        reason: "Ready",
        message: `replica ${replica} is ready`,
        replica,
      });
    const status = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME);
    const last = status?.lastState?.terminated;
    if (!last) continue;
    const how = last.signal ? `signal ${last.signal}` : `code ${last.exitCode}`;
    out.push({
      time: iso(last.finishedAt) ?? iso(last.startedAt) ?? new Date(0).toISOString(),
      type: "crashed",
      reason: last.reason ?? "Exited",
      message: `replica ${replica} exited with ${how}${last.message ? `: ${last.message.trim()}` : ""}`,
      replica,
      ...(status.restartCount > 0 ? { count: status.restartCount } : {}),
      exit_code: last.exitCode,
      ...(last.signal ? { signal: String(last.signal) } : {}),
    });
  }
  return out;
}

/** The function's events from its objects' Events and its pods, newest first, bounded. */
export function buildFunctionEvents(source: FunctionEventSource): FunctionEvent[] {
  const podNames = new Set(source.pods.map((p) => p.metadata?.name ?? ""));
  const fromEvents = source.events
    .filter((e) => isFunctionEvent(source.name, e.involvedObject, podNames))
    .map(toFunctionEvent)
    .filter((e) => e !== undefined);
  return mergeFunctionEvents([fromEvents, podStatusEvents(source.pods)]);
}
