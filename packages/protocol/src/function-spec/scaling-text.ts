/**
 * How a function scales, in words: the one phrasing the CLI (`eventflow get`, `describe`) and the
 * dashboard show, so both say the same thing about the same spec.
 */
import type { AutoscalerStatus } from "../api.js";
import { resolveScaling, type ResolvedScaling, type ScalingInput } from "./scaling.js";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * One sentence, e.g. "Concurrency 10 per replica, 0-10 replicas, to zero after 60 s".
 * `compact` gives the short form for a table column ("concurrency 10, 0-10").
 */
export function describeScaling(s: ResolvedScaling, options: { compact?: boolean } = {}): string {
  const limit = s.containerConcurrency > 0 ? s.containerConcurrency : undefined;
  if (s.mode === "manual") {
    if (options.compact) return "manual";
    const parts = [`Manual, ${plural(s.replicas, "replica")}`];
    if (limit !== undefined) parts.push(`at most ${limit} requests at once per replica`);
    return parts.join(", ");
  }
  const bounds = `${s.minReplicas}-${s.maxReplicas}`;
  if (s.mode === "resource") {
    const targets = [
      ...(s.cpu === undefined ? [] : [`CPU ${s.cpu} %`]),
      ...(s.memory === undefined ? [] : [`memory ${s.memory} %`]),
    ];
    if (options.compact)
      return `${targets.join(" ").toLowerCase().replaceAll(" %", "%")}, ${bounds}`;
    const parts = [`${targets.join(" and ")} utilisation (HPA)`, `${bounds} replicas`];
    if (limit !== undefined) parts.push(`at most ${limit} requests at once per replica`);
    return parts.join(", ");
  }
  if (options.compact) return `${s.metric} ${s.target}, ${bounds}`;
  const parts = [
    s.metric === "concurrency"
      ? `Concurrency ${s.target} per replica`
      : `${s.target} requests/s per replica`,
    `${bounds} replicas`,
  ];
  if (s.minReplicas === 0) parts.push(`to zero after ${s.scaleToZeroAfterSeconds} s`);
  if (s.scaleDownDelaySeconds > 0) parts.push(`scale-down delay ${s.scaleDownDelaySeconds} s`);
  if (limit !== undefined) parts.push(`at most ${limit} requests at once per replica`);
  return parts.join(", ");
}

/**
 * The scaling of a function as the API answers it (`FunctionStatus.spec`, whose `scaling` the
 * API validated on the way in and types loosely on the way out).
 */
export function scalingOf(spec: {
  readonly replicas: number;
  readonly containerConcurrency?: number | undefined;
  readonly scaling?: unknown;
}): ResolvedScaling {
  return resolveScaling({
    replicas: spec.replicas,
    containerConcurrency: spec.containerConcurrency,
    scaling: spec.scaling as ScalingInput["scaling"],
  });
}

/** The autoscaler's view in a few words: "3 desired, 41.5 observed, panic, 2 queued". */
export function describeAutoscaler(a: AutoscalerStatus | undefined): string {
  if (a === undefined) return "";
  const parts = [`${a.desired_replicas} desired`, `${Math.round(a.observed * 10) / 10} observed`];
  if (a.panic) parts.push("panic");
  if (a.queued > 0) parts.push(`${a.queued} queued`);
  return parts.join(", ");
}
