/**
 * A function's recent events as the API answers them (`GET /v1/functions/{name}/events`): what
 * happened to its deploys, replica count and replicas, newest first. Both drivers produce them
 * (the local driver from its supervisor, the Kubernetes driver from core/v1 Events, pod
 * statuses and the revisions it stores).
 */

/** The closed set of event types. */
export const FUNCTION_EVENT_TYPES = [
  "deployed",
  "updated",
  "scaled",
  "crashed",
  "ready",
  "failed",
] as const;

/**
 * `deployed`: the first revision; `updated`: a later one (a rollback too); `scaled`: the replica
 * count changed; `crashed`: a replica exited or keeps exiting; `ready`: a replica became ready;
 * `failed`: something keeps the function from running (image pull, scheduling, a probe, a secret).
 */
export type FunctionEventType = (typeof FUNCTION_EVENT_TYPES)[number];

/** Who changed the replica count of a `scaled` event. */
export const SCALED_BY = ["api", "autoscaler", "scale-from-zero", "scale-to-zero"] as const;

/** `api`: a scale or deploy call; the others: the platform on its own. */
export type ScaledBy = (typeof SCALED_BY)[number];

/** Events kept and answered per function at most. */
export const MAX_FUNCTION_EVENTS = 100;

/** One event of a function. */
export interface FunctionEvent {
  /** When it happened (the last time, for an event seen `count` times). */
  readonly time: string;
  readonly type: FunctionEventType;
  /** A short machine-readable cause in UpperCamelCase: `Exited`, `OOMKilled`, `CrashLoopBackOff`, `ImagePullBackOff`. */
  readonly reason: string;
  /** What a person reads. */
  readonly message: string;
  /** The replica (pod name on Kubernetes, `<name>-<n>` locally) it is about. */
  readonly replica?: string;
  /** The revision number of a `deployed` or `updated` event. */
  readonly revision?: number;
  /** How many times it was seen (a crash loop's restarts, a repeated Kubernetes Event). */
  readonly count?: number;
  /** `scaled`: the replica count before, when known. */
  readonly from?: number;
  /** `scaled`: the replica count after. */
  readonly to?: number;
  /** `scaled`: who changed it, when known. */
  readonly by?: ScaledBy;
  /** `crashed`: the replica's exit code. */
  readonly exit_code?: number;
  /** `crashed`: the signal that ended the replica (`SIGKILL`). */
  readonly signal?: string;
}

/** Whether `value` is one of {@link FUNCTION_EVENT_TYPES}. */
export function isFunctionEventType(value: unknown): value is FunctionEventType {
  return (FUNCTION_EVENT_TYPES as readonly unknown[]).includes(value);
}

/**
 * Merges lists of events into one, newest first, at most `limit` (pure). Events at the same
 * instant keep the order of the lists and within them.
 */
export function mergeFunctionEvents(
  lists: readonly (readonly FunctionEvent[])[],
  limit: number = MAX_FUNCTION_EVENTS,
): FunctionEvent[] {
  const all = lists.flat().map((event, index) => ({ event, index, at: Date.parse(event.time) }));
  all.sort((a, b) => (b.at || 0) - (a.at || 0) || a.index - b.index);
  return all.slice(0, Math.max(0, limit)).map((e) => e.event);
}

/**
 * What an event is about beyond its reason and message (pure): `revision 2`, `1 -> 3 (api)`,
 * `exit 137`, `SIGKILL`; empty when there is nothing more. The CLI and dashboard both show it.
 */
export function describeFunctionEvent(event: FunctionEvent): string {
  if (event.revision !== undefined) return `revision ${event.revision}`;
  if (event.type === "scaled" && event.to !== undefined)
    return `${event.from ?? "?"} -> ${event.to}${event.by ? ` (${event.by})` : ""}`;
  if (event.exit_code !== undefined) return `exit ${event.exit_code}`;
  return event.signal ?? "";
}
