/**
 * How a function scales, with every default filled in: the one reading of `spec.scaling` and
 * `spec.containerConcurrency` that the drivers, the autoscaler, the CLI and the dashboard share.
 * Pure and free of zod, so the controller's hot paths can call it.
 */

/** The scaling fields of a spec, as validated (only what this module reads). */
export interface ScalingInput {
  readonly replicas: number;
  readonly containerConcurrency?: number | undefined;
  readonly scaling?:
    | {
        readonly metric?: "concurrency" | "rps" | "cpu" | "memory" | undefined;
        readonly target?: number | undefined;
        readonly minReplicas: number;
        readonly maxReplicas: number;
        readonly scaleToZeroAfterSeconds?: number | undefined;
        readonly scaleDownDelaySeconds?: number | undefined;
        readonly targetCPUUtilization?: number | undefined;
        readonly targetMemoryUtilization?: number | undefined;
      }
    | undefined;
}

/** Defaults of a request-driven function that sets only its bounds. */
export const SCALING_DEFAULTS = Object.freeze({
  concurrencyTarget: 100,
  rpsTarget: 200,
  utilizationTarget: 80,
  scaleToZeroAfterSeconds: 60,
  scaleDownDelaySeconds: 0,
});

/** A function whose replica count is set by hand (`replicas`, `eventflow scale`). */
export interface ManualScaling {
  readonly mode: "manual";
  readonly replicas: number;
  readonly containerConcurrency: number;
}

/** The controller's autoscaler sets the replica count from request metrics. */
export interface RequestScaling {
  readonly mode: "request";
  readonly metric: "concurrency" | "rps";
  /** Per replica: in-flight requests (concurrency) or requests per second (rps). */
  readonly target: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Idle seconds before the last replica stops (only when minReplicas is 0). */
  readonly scaleToZeroAfterSeconds: number;
  readonly scaleDownDelaySeconds: number;
  /** 0: no limit. */
  readonly containerConcurrency: number;
}

/** A HorizontalPodAutoscaler scales on utilisation (Kubernetes; the local driver keeps `minReplicas`). */
export interface ResourceScaling {
  readonly mode: "resource";
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Utilisation percents; at least one is set. */
  readonly cpu?: number;
  readonly memory?: number;
  readonly containerConcurrency: number;
}

export type ResolvedScaling = ManualScaling | RequestScaling | ResourceScaling;

/**
 * The scaling a spec asks for. Without `metric`, the earlier utilisation fields mean the HPA and
 * anything else means concurrency.
 */
export function resolveScaling(spec: ScalingInput): ResolvedScaling {
  const containerConcurrency = spec.containerConcurrency ?? 0;
  const s = spec.scaling;
  if (s === undefined) return { mode: "manual", replicas: spec.replicas, containerConcurrency };
  const legacy = s.targetCPUUtilization !== undefined || s.targetMemoryUtilization !== undefined;
  const metric = s.metric ?? (legacy ? "cpu" : "concurrency");
  if (metric === "cpu" || metric === "memory") {
    const cpu =
      s.targetCPUUtilization ??
      (metric === "cpu" ? (s.target ?? SCALING_DEFAULTS.utilizationTarget) : undefined);
    const memory =
      s.targetMemoryUtilization ??
      (metric === "memory" ? (s.target ?? SCALING_DEFAULTS.utilizationTarget) : undefined);
    return {
      mode: "resource",
      minReplicas: Math.max(1, s.minReplicas),
      maxReplicas: Math.max(1, s.maxReplicas, s.minReplicas),
      ...(cpu === undefined ? {} : { cpu }),
      ...(memory === undefined ? {} : { memory }),
      containerConcurrency,
    };
  }
  const defaultTarget =
    metric === "rps"
      ? SCALING_DEFAULTS.rpsTarget
      : containerConcurrency > 0
        ? Math.min(containerConcurrency, SCALING_DEFAULTS.concurrencyTarget)
        : SCALING_DEFAULTS.concurrencyTarget;
  return {
    mode: "request",
    metric,
    target: s.target ?? defaultTarget,
    minReplicas: s.minReplicas,
    maxReplicas: Math.max(s.maxReplicas, s.minReplicas),
    scaleToZeroAfterSeconds: s.scaleToZeroAfterSeconds ?? SCALING_DEFAULTS.scaleToZeroAfterSeconds,
    scaleDownDelaySeconds: s.scaleDownDelaySeconds ?? SCALING_DEFAULTS.scaleDownDelaySeconds,
    containerConcurrency,
  };
}

/**
 * The replica count a request-driven function keeps across an update of its spec: the
 * autoscaler's current one within the new bounds (a write of the spec must not reset it to the
 * body's `replicas`). Any other function takes the spec's.
 */
export function replicasAfterUpdate(next: ScalingInput, current: number): number {
  const s = resolveScaling(next);
  if (s.mode !== "request") return next.replicas;
  return Math.min(s.maxReplicas, Math.max(s.minReplicas, current));
}
