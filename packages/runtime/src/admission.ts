/**
 * Whether the runtime takes a request for the handler now (pure: the server answers the
 * refusal). Probes and reserved paths are decided before this; see server.ts.
 */
import type { ErrorCode } from "@eventflow/protocol";
import type { RuntimeConfig } from "./config.js";

/** Lifecycle state of a runtime. */
export type RuntimeState = "starting" | "ready" | "draining" | "stopped";

/** Why a request is refused, as the server answers it (all retryable elsewhere: `retry-after`). */
export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Undefined when the handler may take the request: the runtime is ready (or draining, which
 * finishes what arrives on open connections) and under `maxConcurrency` (0: no limit).
 */
export function refusal(
  state: RuntimeState,
  inFlight: number,
  config: Pick<RuntimeConfig, "maxConcurrency">,
): Refusal | undefined {
  if (state !== "ready" && state !== "draining")
    return { code: "RUNTIME_NOT_READY", message: `the runtime is ${state}` };
  if (config.maxConcurrency > 0 && inFlight >= config.maxConcurrency)
    return {
      code: "RUNTIME_OVERLOADED",
      message: `this replica is at its limit of ${config.maxConcurrency} concurrent invocations`,
    };
  return undefined;
}
