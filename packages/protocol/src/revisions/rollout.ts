/**
 * The progressive rollout of a new revision as a pure state machine: the controller passes the
 * time and the new revision's counters of the current step in, and gets back the next state and
 * the percent of traffic the new revision takes (the old one takes the rest).
 */
import { parseRollout, type RolloutSpec } from "./rollout-spec.js";

/**
 * Fewest requests a step must have seen before it is judged: below it, one failed request in
 * five would decide the rollout. A step short of them waits (it neither passes nor fails).
 */
export const ROLLOUT_MIN_REQUESTS = 20;

/** `progressing` until every step passed (`promoted`) or one failed (`rolledBack`). */
export type RolloutPhase = "progressing" | "promoted" | "rolledBack";

/** Where a rollout stands. */
export interface RolloutState {
  readonly phase: RolloutPhase;
  /** Index into the spec's `steps` of the current (or, once ended, the last) step. */
  readonly step: number;
  /** When the current step began, or the rollout ended (milliseconds, as the caller's clock). */
  readonly since: number;
  /** Why it stands here, in words a person reads; absent while a step simply runs. */
  readonly reason?: string;
}

/** The new revision's counters over the current step, and the time now. */
export interface RolloutTick {
  /** Milliseconds on the same clock as `since`. */
  readonly now: number;
  readonly requests: number;
  /** Failed requests: 5xx answers and platform errors. */
  readonly errors: number;
  /** 95th percentile latency of the step's requests (any value when there were none). */
  readonly p95Ms: number;
}

/** A state and the traffic percent of the new revision in it. */
export interface RolloutDecision {
  readonly state: RolloutState;
  readonly percent: number;
}

/** `12%`, `12.5%`. */
const percentText = (rate: number): string => `${Number((rate * 100).toFixed(2))}%`;

/** `step 2 (50%)`, numbered from 1. */
const stepText = (spec: RolloutSpec, step: number): string =>
  `step ${step + 1} (${spec.steps[step]}%)`;

/** The percent of traffic the new revision takes in `state`. */
export function rolloutPercent(spec: RolloutSpec, state: RolloutState): number {
  if (state.phase === "promoted") return 100;
  if (state.phase === "rolledBack") return 0;
  return spec.steps[state.step] ?? 0;
}

function decide(spec: RolloutSpec, state: RolloutState): RolloutDecision {
  return { state, percent: rolloutPercent(spec, state) };
}

/** The state at `step`, promoted when it is the last one (100 %). */
function enter(spec: RolloutSpec, step: number, now: number): RolloutDecision {
  if (step < spec.steps.length - 1) return decide(spec, { phase: "progressing", step, since: now });
  const reason =
    step === 0
      ? `${stepText(spec, step)} reached: the only step`
      : `${stepText(spec, step)} reached: every step before it passed`;
  return decide(spec, { phase: "promoted", step, since: now, reason });
}

/** Starts a rollout at its first step; throws ROLLOUT_INVALID for a spec that breaks the rules. */
export function startRollout(spec: RolloutSpec, now: number): RolloutDecision {
  return enter(parseRollout(spec), 0, now);
}

function checkTick(tick: RolloutTick): void {
  const { now, requests, errors, p95Ms } = tick;
  if (!Number.isFinite(now)) throw new RangeError(`rollout tick: now is ${now}`);
  if (!Number.isSafeInteger(requests) || requests < 0)
    throw new RangeError(`rollout tick: requests is ${requests}, not a count`);
  if (!Number.isSafeInteger(errors) || errors < 0 || errors > requests)
    throw new RangeError(`rollout tick: errors is ${errors}, not a count up to ${requests}`);
  if (requests > 0 && !(p95Ms >= 0)) throw new RangeError(`rollout tick: p95Ms is ${p95Ms}`);
}

/**
 * The rollout's next state. A step is judged once it has run `intervalSeconds` and seen
 * {@link ROLLOUT_MIN_REQUESTS}: an error rate above `maxErrorRate` or a p95 above `maxP95Ms`
 * rolls back (a limit exactly met passes); otherwise the next step begins, and reaching the
 * last one promotes. A promoted or rolled back rollout stays as it is.
 */
export function stepRollout(
  spec: RolloutSpec,
  state: RolloutState,
  tick: RolloutTick,
): RolloutDecision {
  checkTick(tick);
  if (state.phase !== "progressing") return decide(spec, state);
  if (!(state.step >= 0 && state.step < spec.steps.length - 1))
    throw new RangeError(`rollout state: step ${state.step} is not a step that progresses`);
  const step = stepText(spec, state.step);
  if (tick.now - state.since < spec.intervalSeconds * 1000) return decide(spec, state);
  if (tick.requests < ROLLOUT_MIN_REQUESTS) {
    const reason = `${step}: waiting for ${ROLLOUT_MIN_REQUESTS} requests to judge it, ${tick.requests} so far`;
    return decide(spec, { ...state, reason });
  }
  const failures: string[] = [];
  const rate = tick.errors / tick.requests;
  if (rate > spec.maxErrorRate)
    failures.push(`error rate ${percentText(rate)} > ${percentText(spec.maxErrorRate)}`);
  if (tick.p95Ms > spec.maxP95Ms) failures.push(`p95 ${tick.p95Ms} ms > ${spec.maxP95Ms} ms`);
  if (failures.length > 0) {
    const reason = `${step}: ${failures.join(", ")}`;
    return decide(spec, { phase: "rolledBack", step: state.step, since: tick.now, reason });
  }
  return enter(spec, state.step + 1, tick.now);
}
