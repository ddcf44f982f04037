/**
 * Autoscaling's Prometheus metrics, on the controller's registry: cold starts and how long
 * they took, the replicas the autoscaler asks for, invocations held by the activator, and
 * whether a function's autoscaler is in panic mode.
 */
import { Gauge, Histogram, type Registry } from "prom-client";
import type { ActivatorRecorder } from "../invoke/activator.js";

/** Seconds buckets for a cold start: 50 ms to 2 minutes. */
const COLD_START_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20, 30, 60, 120];

type Fn = { readonly tenant: string; readonly name: string };

/** What the autoscaler records on each decision. */
export interface AutoscalerRecorder {
  decided(fn: Fn, desired: number, panic: boolean): void;
}

/** The scaling metrics and their recorders. */
export interface ScalingMetrics {
  readonly activator: ActivatorRecorder;
  readonly autoscaler: AutoscalerRecorder;
  /** Drops a deleted function's series. */
  forget(tenant: string, name: string): void;
}

export function createScalingMetrics(registry: Registry): ScalingMetrics {
  const labelNames = ["tenant", "function"] as const;
  const registers = [registry];
  const coldStartSeconds = new Histogram({
    name: "eventflow_function_cold_start_seconds",
    help: "From the first invocation held for a function without a ready replica to its first ready replica, in seconds.",
    labelNames,
    buckets: COLD_START_BUCKETS,
    registers,
  });
  const desired = new Gauge({
    name: "eventflow_function_desired_replicas",
    help: "Replicas the autoscaler asks for, per request-driven function.",
    labelNames,
    registers,
  });
  const queueDepth = new Gauge({
    name: "eventflow_function_queue_depth",
    help: "Invocations held by this controller waiting for a replica with room.",
    labelNames,
    registers,
  });
  const panic = new Gauge({
    name: "eventflow_autoscaler_panic",
    help: "1 while a function's autoscaler is in panic mode (load at twice its target over 6 s), else 0.",
    labelNames,
    registers,
  });
  const l = (fn: Fn) => ({ tenant: fn.tenant, function: fn.name });
  return {
    activator: {
      queueDepth: (fn, depth) => queueDepth.set(l(fn), depth),
      coldStart: (fn, seconds) => coldStartSeconds.observe(l(fn), seconds),
    },
    autoscaler: {
      decided(fn, n, inPanic) {
        desired.set(l(fn), n);
        panic.set(l(fn), inPanic ? 1 : 0);
      },
    },
    forget(tenant, name) {
      const labels = { tenant, function: name };
      for (const m of [coldStartSeconds, desired, queueDepth, panic]) m.remove(labels);
    },
  };
}
