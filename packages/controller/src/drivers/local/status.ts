import type { FunctionPhase, FunctionSpec, FunctionStatus } from "../driver.js";

/** State of one replica slot, as the status builder sees it. */
export type SlotState = "starting" | "ready" | "backoff" | "draining";

/** A snapshot of one function's supervisor, input of {@link buildFunctionStatus}. */
export interface SupervisorSnapshot {
  readonly spec: FunctionSpec;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly generation: number;
  readonly slots: readonly { readonly generation: number; readonly state: SlotState }[];
  readonly crashLooping: boolean;
  readonly imageError: boolean;
  /** The supervisor has not resolved its image yet (restoring after a restart). */
  readonly resolving: boolean;
  /** A replica was started for an invoke while `replicas` is 0. */
  readonly warm: boolean;
  /** Whether any replica of the current generation has been ready since the last change. */
  readonly everReady: boolean;
  readonly lastError?: FunctionStatus["last_error"];
}

function phaseOf(s: SupervisorSnapshot, ready: number, active: number, old: number): FunctionPhase {
  if (s.imageError) return "Failed";
  if (s.resolving) return "Pending";
  if (s.crashLooping) return ready > 0 ? "Degraded" : "Failed";
  if (s.spec.replicas === 0 && active === 0 && !s.warm) return "ScaledToZero";
  if (old > 0) return "Deploying";
  if (ready >= Math.max(1, s.spec.replicas)) return "Running";
  return s.everReady ? "Degraded" : "Deploying";
}

/** Builds the API's view of a function from its supervisor's state (pure). */
export function buildFunctionStatus(s: SupervisorSnapshot): FunctionStatus {
  const live = s.slots.filter((x) => x.state !== "draining");
  const ready = live.filter((x) => x.state === "ready").length;
  const current = live.filter((x) => x.generation === s.generation);
  const old = live.length - current.length;
  return {
    name: s.spec.name,
    tenant: s.spec.tenant,
    image: s.spec.image,
    replicas: s.spec.replicas,
    available_replicas: ready,
    ready_replicas: ready,
    updated_replicas: current.length,
    status: phaseOf(s, ready, live.length, old),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    ...(s.lastError ? { last_error: s.lastError } : {}),
    spec: s.spec,
  };
}
