/**
 * The autoscaler's and the activator's settings: their variables (spread into the controller's
 * one env schema) and the section of the frozen config built from them.
 */
import { z } from "zod";

/** The variables (validated with the rest of the controller's environment). */
export const AUTOSCALING_ENV = {
  /** Invocations one function may hold while it has no replica with room (then 503). */
  EVENTFLOW_ACTIVATOR_QUEUE: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** How long a held invocation waits for a replica before 503 (capped by the function's timeout). */
  EVENTFLOW_COLD_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Between two autoscaler decisions (and scrapes of the replicas' load). */
  EVENTFLOW_AUTOSCALER_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
};

type AutoscalingEnv = z.output<z.ZodObject<typeof AUTOSCALING_ENV>>;

/** The autoscaling section of the controller's config. */
export interface AutoscalingConfig {
  /** Invocations held per function before 503 (`EVENTFLOW_ACTIVATOR_QUEUE`). */
  readonly activatorQueue: number;
  /** Longest wait for a replica (`EVENTFLOW_COLD_START_TIMEOUT_SECONDS`), in ms. */
  readonly coldStartTimeoutMs: number;
  /** Between two decisions (`EVENTFLOW_AUTOSCALER_INTERVAL_MS`). */
  readonly intervalMs: number;
}

export function parseAutoscaling(e: AutoscalingEnv): AutoscalingConfig {
  return {
    activatorQueue: e.EVENTFLOW_ACTIVATOR_QUEUE,
    coldStartTimeoutMs: e.EVENTFLOW_COLD_START_TIMEOUT_SECONDS * 1000,
    intervalMs: e.EVENTFLOW_AUTOSCALER_INTERVAL_MS,
  };
}
