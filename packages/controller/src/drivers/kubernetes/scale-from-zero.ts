/**
 * Scale from zero on Kubernetes: an invoke that finds no ready replica asks for one (through the
 * scale subresource when the autoscaler owns the count, else the Function's replicas) and waits
 * for it. In pod mode the function's new pods are probed directly, so the wait ends when the
 * runtime answers rather than when the kubelet's probe and the EndpointSlices catch up; pods
 * probed ready count among the function's endpoints until the slices list them.
 */
import { resolveScaling } from "@eventflow/protocol";
import type { Endpoint, FunctionSpec } from "../driver.js";
import type { ClusterCache } from "./cluster-cache.js";
import { CONTAINER_PORT } from "./labels.js";
import { createPodProber } from "./pod-probe.js";
import type { FunctionObject } from "./reconcile/function-desired.js";

/** What waking a function needs of the driver. */
export interface ScaleFromZeroOptions {
  /** The informer cache: a function's pods and the endpoints its EndpointSlices list ready. */
  readonly cache: Pick<ClusterCache, "pods" | "endpoints">;
  /** Writes of a Function's replica count. */
  readonly functions: {
    /** Through the scale subresource (the autoscaler's count). */
    setScale(fn: FunctionObject, replicas: number): Promise<unknown>;
    /** In the Function's spec (a manually scaled one). */
    patchReplicas(fn: FunctionObject, replicas: number): Promise<unknown>;
  };
  /** Resolves true once `ok()` holds at a cache change of `key` (or at once), false after `timeoutMs`. */
  readonly waitFor: (key: string, timeoutMs: number, ok: () => boolean) => Promise<boolean>;
  /** `service`: invokes go to the Service's name, there are no pod addresses to probe. */
  readonly endpointMode?: "pod" | "service";
}

/** One wait for a function's first ready replica. */
export interface WakeRequest {
  readonly fn: FunctionObject;
  /** The Function's spec; absent when it does not parse (then nothing is scaled). */
  readonly spec?: FunctionSpec;
  /** The function key (`tenant/name`). */
  readonly key: string;
  readonly timeoutMs: number;
  /** Whether the function has an endpoint now. */
  readonly ready: () => boolean;
}

/** The scale-from-zero path of the Kubernetes driver. */
export interface ScaleFromZero {
  /** A function's endpoints in pod mode: the slices' plus pods probed ready they do not list. */
  podEndpoints(key: string): readonly Endpoint[];
  /** Asks for one replica when the function is at zero, then waits; true when `ready()` holds. */
  wake(request: WakeRequest): Promise<boolean>;
  close(): Promise<void>;
}

/** Creates the scale-from-zero path over the driver's cache and Function writes. */
export function createScaleFromZero(options: ScaleFromZeroOptions): ScaleFromZero {
  const { cache, functions, waitFor } = options;
  const prober = createPodProber({ pods: (key) => cache.pods(key), port: CONTAINER_PORT });
  const probing = options.endpointMode !== "service";

  async function scaleToOne(fn: FunctionObject, spec: FunctionSpec | undefined): Promise<void> {
    if (spec === undefined || spec.replicas !== 0) return;
    const mode = resolveScaling(spec).mode;
    // One replica now; the autoscaler adds more on the load it then sees.
    if (mode === "request") await functions.setScale(fn, 1);
    else if (mode === "manual") await functions.patchReplicas(fn, 1);
  }

  return {
    podEndpoints: (key) => prober.endpoints(key, cache.endpoints(key)),
    async wake({ fn, spec, key, timeoutMs, ready }) {
      await scaleToOne(fn, spec);
      const stop = new AbortController();
      const seen = await Promise.race([
        waitFor(key, timeoutMs, ready),
        // Pods answering before the kubelet's probe and the slices say so.
        ...(probing ? [prober.untilReady(key, () => cache.endpoints(key), stop.signal)] : []),
      ]).finally(() => stop.abort());
      return seen && ready();
    },
    close: () => prober.close(),
  };
}
