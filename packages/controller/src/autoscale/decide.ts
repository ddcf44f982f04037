/**
 * The replica count of a request-driven function, decided the way Knative's pod autoscaler (KPA)
 * does: the stable and panic averages divided by the target per replica, rate limits relative to
 * the ready replicas, panic that never scales down, a scale-down delay, then the spec's bounds and
 * scale to zero. Pure: no I/O and no timers; time and observations are passed in, and the state it
 * returns is handed back on the next tick.
 */
import type { RequestScaling } from "@eventflow/protocol";

/** Knobs of the decision, shared by every function (the spec sets target, bounds and delays). */
export interface AutoscalerTuning {
  /** The stable window: the average that sets the count, and how long panic outlives its cause. */
  readonly stableWindowMs: number;
  /** The panic window, as a percent of the stable window (10: 6 s of 60 s). */
  readonly panicWindowPercent: number;
  /** Panic when the panic window asks for this many times the ready replicas. */
  readonly panicThreshold: number;
  /** One decision grows to at most this many times the ready replicas (at least 1). */
  readonly maxScaleUpRate: number;
  /** One decision shrinks to no fewer than the ready replicas divided by this. */
  readonly maxScaleDownRate: number;
  /** How often the autoscaler decides. */
  readonly tickMs: number;
}

/** Knative's defaults. */
export const AUTOSCALER_TUNING: AutoscalerTuning = Object.freeze({
  stableWindowMs: 60_000,
  panicWindowPercent: 10,
  panicThreshold: 2.0,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  tickMs: 2_000,
});

export interface DecideInput {
  readonly scaling: RequestScaling;
  readonly nowMs: number;
  /** Load (sum over replicas) averaged over the stable window; undefined without data. */
  readonly stable: number | undefined;
  /** Load averaged over the panic window; undefined without recent data (no panic then). */
  readonly panic: number | undefined;
  /** Replicas ready right now. */
  readonly readyReplicas: number;
  /** The count the function is scaled to now. */
  readonly currentDesired: number;
  /** When load above zero (or a held request) was last seen; undefined: never. */
  readonly lastTrafficAtMs: number | undefined;
  /** Requests the activator holds now (no replica with room). */
  readonly held: number;
}

/** What one decision hands to the next; start with `{}`. */
export interface DecideState {
  /** When the current panic began. */
  readonly panicSinceMs?: number;
  /** The last time the panic condition held: panic ends a stable window after it. */
  readonly panicLastMs?: number;
  /** The highest count decided during this panic (panic never scales down). */
  readonly maxPanicDesired?: number;
  /**
   * Counts wanted within the scale-down delay, as a max-queue (times ascending, counts strictly
   * descending), so the first is the highest wanted over the delay.
   */
  readonly recent?: readonly { readonly atMs: number; readonly desired: number }[];
}

export interface Decision {
  readonly desired: number;
  readonly panic: boolean;
  /** Why, for the log line of a change ("panic: 6s concurrency 41 for target 10"). */
  readonly reason: string;
  readonly state: DecideState;
}

const fmt = (n: number): string => String(Math.round(n * 100) / 100);
const secs = (ms: number): string => `${fmt(ms / 1000)}s`;

/**
 * Decides the replica count. Departures from the KPA, each for a reason of this platform:
 * - `scaleToZeroAfterSeconds` of no traffic (minReplicas 0) counts as no load at all, even while
 *   the stable average still remembers older traffic, and ends a panic; until then a running
 *   function keeps at least 1. A function already at zero is only woken by load or held requests,
 *   so a restarted controller does not wake every idle function.
 * - Held requests ask for at least 1 at once: that is the cold start.
 * - Without data (`stable` undefined) the current count stays, within the bounds.
 */
export function decide(
  input: DecideInput,
  state: DecideState,
  options: Partial<AutoscalerTuning> = {},
): Decision {
  const tuning = { ...AUTOSCALER_TUNING, ...options };
  const s = input.scaling;
  const now = input.nowMs;
  const clamp = (n: number) => Math.min(s.maxReplicas, Math.max(s.minReplicas, n));
  const notes: string[] = [];
  const heldNote = () =>
    notes.push(`${input.held} held${input.currentDesired === 0 ? ": cold start" : ""}`);

  if (input.stable === undefined) {
    let desired = clamp(input.currentDesired);
    notes.push(`no data: keep ${desired}`);
    if (input.held > 0 && desired === 0) {
      desired = clamp(1);
      heldNote();
    }
    return { desired, panic: false, reason: notes.join("; "), state };
  }

  const lastTraffic = input.held > 0 ? now : input.lastTrafficAtMs;
  const graceMs = s.scaleToZeroAfterSeconds * 1000;
  // Strictly longer than the grace: with a grace of 0, load seen on this very tick is not idle.
  const idle = lastTraffic === undefined || now - lastTraffic > graceMs;
  const toZero = s.minReplicas === 0 && idle;
  const panicWindowMs = (tuning.stableWindowMs * tuning.panicWindowPercent) / 100;

  const ready = Math.max(1, input.readyReplicas);
  const maxUp = Math.ceil(tuning.maxScaleUpRate * ready);
  const maxDown = Math.floor(ready / tuning.maxScaleDownRate);
  const limit = (n: number) => Math.min(Math.max(n, maxDown), maxUp);
  const stableWant = toZero ? 0 : Math.ceil(input.stable / s.target);
  const panicWant =
    toZero || input.panic === undefined ? stableWant : Math.ceil(input.panic / s.target);

  // Panic starts when the panic window asks for panicThreshold x the ready replicas, and ends only
  // once a whole stable window has passed without that, so the burst is in the stable average.
  const over = !toZero && input.panic !== undefined && panicWant / ready >= tuning.panicThreshold;
  let { panicSinceMs, panicLastMs, maxPanicDesired } = state;
  if (over) {
    panicSinceMs ??= now;
    panicLastMs = now;
  } else if (panicLastMs !== undefined && (toZero || now - panicLastMs > tuning.stableWindowMs)) {
    panicSinceMs = panicLastMs = maxPanicDesired = undefined;
  }
  const panic = panicLastMs !== undefined;

  const wanted = panic ? Math.max(stableWant, panicWant) : stableWant;
  let desired = limit(wanted);
  if (panic) {
    notes.push(`panic: ${secs(panicWindowMs)} ${s.metric} ${fmt(input.panic ?? input.stable)}`);
  } else if (toZero) {
    notes.push(`idle ${secs(graceMs)}: scale to zero`);
  } else {
    notes.push(`stable: ${secs(tuning.stableWindowMs)} ${s.metric} ${fmt(input.stable)}`);
  }
  if (!toZero) notes[0] += ` for target ${fmt(s.target)}`;
  if (desired > wanted)
    notes.push(`scale-down limited to ${desired} (${input.readyReplicas} ready)`);
  if (desired < wanted) notes.push(`scale-up limited to ${desired} (${input.readyReplicas} ready)`);
  if (panic) {
    if (desired < (maxPanicDesired ?? 0)) notes.push(`panic holds ${maxPanicDesired}`);
    desired = Math.max(desired, maxPanicDesired ?? 0);
    maxPanicDesired = desired;
  }
  if (s.minReplicas === 0 && !toZero && input.currentDesired > 0 && desired < 1) {
    desired = 1;
    notes.push(`keep 1 until idle ${secs(graceMs)}`);
  }
  if (input.held > 0 && desired < 1) {
    desired = 1;
    heldNote();
  }

  // A lower count applies only once it has held for the whole delay: the highest count wanted
  // within the delay wins.
  const delayMs = s.scaleDownDelaySeconds * 1000;
  let recent = state.recent;
  if (delayMs > 0) {
    recent = [
      ...(recent ?? []).filter((e) => now - e.atMs < delayMs && e.desired > desired),
      { atMs: now, desired },
    ];
    const highest = recent[0]?.desired ?? desired;
    if (highest > desired) notes.push(`scale-down delayed ${secs(delayMs)}: keep ${highest}`);
    desired = highest;
  } else {
    recent = undefined;
  }

  const bounded = clamp(desired);
  if (bounded !== desired) {
    notes.push(`${bounded > desired ? "minReplicas" : "maxReplicas"} ${bounded}`);
  }
  const next: DecideState = { panicSinceMs, panicLastMs, maxPanicDesired, recent };
  return { desired: bounded, panic, reason: notes.join("; "), state: next };
}
