/**
 * The spec's `scaling` as a zod schema: bounds within a controller's replica limit, the metric
 * and its per-replica target, with the CEL rules the Function CRD carries beside the checks.
 * How a validated `scaling` is read is scaling.ts's (zod-free) `resolveScaling`.
 */
import { z } from "zod";
import type { FunctionSpecLimits } from "./schema.js";

const percent = z.number().int().min(1).max(100);

/** What a function's replicas are scaled on (see `resolveScaling`). */
export const SCALING_METRICS = ["concurrency", "rps", "cpu", "memory"] as const;

/**
 * Autoscaling: bounds (within the controller's replica limit), the metric and its per-replica
 * target. `concurrency` and `rps` are request-driven (the controller's autoscaler, down to zero);
 * `cpu` and `memory` use a HorizontalPodAutoscaler. `targetCPUUtilization` and
 * `targetMemoryUtilization` are the earlier way to ask for the HPA and stay accepted.
 */
export function buildScalingSchema(limits: FunctionSpecLimits) {
  return z
    .strictObject({
      metric: z.enum(SCALING_METRICS).optional().meta({
        description:
          "concurrency (in-flight requests per replica, default) or rps (requests per second per replica): the controller's autoscaler; cpu or memory: a HorizontalPodAutoscaler",
      }),
      target: z.number().min(0.01).max(100_000).optional().meta({
        description:
          "per replica: in-flight requests (concurrency, default 100), requests per second (rps, default 200) or utilisation percent (cpu, memory, default 80)",
      }),
      minReplicas: z.number().int().min(0).max(limits.maxReplicas),
      maxReplicas: z.number().int().min(1).max(limits.maxReplicas),
      scaleToZeroAfterSeconds: z.number().int().min(0).max(86_400).optional().meta({
        description: "idle time before the last replica stops, when minReplicas is 0 (default 60)",
      }),
      scaleDownDelaySeconds: z.number().int().min(0).max(3600).optional().meta({
        description: "how long a lower replica count must hold before replicas stop (default 0)",
      }),
      targetCPUUtilization: percent.optional(),
      targetMemoryUtilization: percent.optional(),
    })
    .refine((s) => s.minReplicas <= s.maxReplicas, {
      path: ["minReplicas"],
      error: "must not exceed maxReplicas",
    })
    .refine(
      (s) =>
        !(s.metric === "cpu" || s.metric === "memory") || s.target === undefined || s.target <= 100,
      {
        path: ["target"],
        error: "a cpu or memory target is a utilisation percent: at most 100",
      },
    )
    .refine((s) => !(s.metric === "cpu" || s.metric === "memory") || s.minReplicas >= 1, {
      path: ["minReplicas"],
      error:
        "must be at least 1 with metric cpu or memory: scaling to zero needs metric concurrency or rps",
    })
    .refine(
      (s) =>
        !(s.metric === "concurrency" || s.metric === "rps") ||
        (s.targetCPUUtilization === undefined && s.targetMemoryUtilization === undefined),
      {
        path: ["metric"],
        error:
          "targetCPUUtilization and targetMemoryUtilization apply to metric cpu or memory only",
      },
    )
    .meta({
      "x-kubernetes-validations": [
        {
          rule: "self.minReplicas <= self.maxReplicas",
          message: "minReplicas must not exceed maxReplicas",
          fieldPath: ".minReplicas",
        },
        {
          rule: "!has(self.metric) || !(self.metric == 'cpu' || self.metric == 'memory') || self.minReplicas >= 1",
          message: "minReplicas must be at least 1 with metric cpu or memory",
          fieldPath: ".minReplicas",
        },
        {
          rule: "!has(self.metric) || !(self.metric == 'cpu' || self.metric == 'memory') || !has(self.target) || self.target <= 100.0",
          message: "a cpu or memory target is a utilisation percent: at most 100",
          fieldPath: ".target",
        },
        {
          rule: "!has(self.metric) || !(self.metric == 'concurrency' || self.metric == 'rps') || (!has(self.targetCPUUtilization) && !has(self.targetMemoryUtilization))",
          message:
            "targetCPUUtilization and targetMemoryUtilization apply to metric cpu or memory only",
          fieldPath: ".metric",
        },
      ],
    });
}
