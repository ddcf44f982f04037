/** Inputs of the decision for the table tests: one request-driven function, target 10. */
import type { RequestScaling } from "@eventflow/protocol";
import { expect } from "vitest";
import {
  decide,
  type AutoscalerTuning,
  type DecideInput,
  type DecideState,
} from "../../src/autoscale/decide.js";

export const NOW = 1_000_000;

export function scaling(over: Partial<RequestScaling> = {}): RequestScaling {
  return {
    mode: "request",
    metric: "concurrency",
    target: 10,
    minReplicas: 0,
    maxReplicas: 100,
    scaleToZeroAfterSeconds: 60,
    scaleDownDelaySeconds: 0,
    containerConcurrency: 0,
    ...over,
  };
}

export type Over = Partial<Omit<DecideInput, "scaling">> & { scaling?: Partial<RequestScaling> };

export function input(over: Over = {}): DecideInput {
  const { scaling: s, ...rest } = over;
  return {
    scaling: scaling(s),
    nowMs: NOW,
    stable: 0,
    panic: 0,
    readyReplicas: 1,
    currentDesired: 1,
    lastTrafficAtMs: NOW,
    held: 0,
    ...rest,
  };
}

export interface Row {
  name: string;
  in: Over;
  tuning?: Partial<AutoscalerTuning>;
  desired: number;
  panic?: boolean;
  reason?: string;
  /** The whole reason, where what it leaves out matters. */
  reasonIs?: string;
}

/** One tick from a fresh state. */
export function checkTick(row: Row): void {
  const d = decide(input(row.in), {}, row.tuning);
  expect(d.desired).toBe(row.desired);
  if (row.panic !== undefined) expect(d.panic).toBe(row.panic);
  if (row.reason !== undefined) expect(d.reason).toContain(row.reason);
  if (row.reasonIs !== undefined) expect(d.reason).toBe(row.reasonIs);
}

export interface Tick {
  /** Time since the first tick. */
  at: number;
  in: Over;
  desired: number;
  panic?: boolean;
}

export function run(ticks: readonly Tick[]): { desired: number; panic: boolean }[] {
  let state: DecideState = {};
  return ticks.map((tick) => {
    // Load on each tick unless the tick says when traffic was last seen.
    const d = decide(
      input({ lastTrafficAtMs: NOW + tick.at, ...tick.in, nowMs: NOW + tick.at }),
      state,
    );
    state = d.state;
    return { desired: d.desired, panic: d.panic };
  });
}
