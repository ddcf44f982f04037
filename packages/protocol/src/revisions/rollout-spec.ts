/**
 * A progressive rollout's rules: the traffic steps of a new revision and the limits each step
 * is judged against. Kept apart from the state machine (rollout.ts) so a spec schema can check
 * a rollout without running one.
 */
import { EventFlowError, type FieldIssue } from "../errors.js";

/** How a new revision takes over: `{ steps: [10, 50, 100], intervalSeconds: 60, ... }`. */
export interface RolloutSpec {
  /** Whole percents of the requests the new revision takes, ascending, the last one 100. */
  readonly steps: readonly number[];
  /** How long each step runs before it is judged. */
  readonly intervalSeconds: number;
  /** Highest share of failed requests (5xx and platform errors) a step may have, 0 to 1. */
  readonly maxErrorRate: number;
  /** Highest 95th percentile latency a step may have, in milliseconds. */
  readonly maxP95Ms: number;
}

/** Most steps a rollout may have. */
export const MAX_ROLLOUT_STEPS = 10;

/** Longest step interval: a day. */
export const MAX_ROLLOUT_INTERVAL_SECONDS = 86_400;

const isWhole = (value: unknown, min: number, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;

function checkSteps(steps: unknown): FieldIssue[] {
  const path = "rollout.steps";
  if (!Array.isArray(steps) || steps.length === 0) return [{ path, message: "must not be empty" }];
  if (steps.length > MAX_ROLLOUT_STEPS)
    return [{ path, message: `must have at most ${MAX_ROLLOUT_STEPS} items` }];
  const issues: FieldIssue[] = [];
  steps.forEach((step: unknown, i) => {
    if (!isWhole(step, 1, 100))
      issues.push({ path: `${path}.${i}`, message: "must be a whole number between 1 and 100" });
    else if (i > 0 && isWhole(steps[i - 1], 1, 100) && step <= steps[i - 1])
      issues.push({
        path: `${path}.${i}`,
        message: `must be above the step before it (${String(steps[i - 1])})`,
      });
  });
  if (steps.at(-1) !== 100) issues.push({ path, message: "must end with 100" });
  return issues;
}

/** Every way `spec` breaks the rollout rules, with paths under `rollout` (empty when none). */
export function checkRollout(spec: RolloutSpec): FieldIssue[] {
  const issues = checkSteps(spec.steps);
  if (!isWhole(spec.intervalSeconds, 1, MAX_ROLLOUT_INTERVAL_SECONDS))
    issues.push({
      path: "rollout.intervalSeconds",
      message: `must be a whole number between 1 and ${MAX_ROLLOUT_INTERVAL_SECONDS}`,
    });
  const rate = spec.maxErrorRate;
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1))
    issues.push({
      path: "rollout.maxErrorRate",
      message: "must be a number between 0 and 1 (0.05 allows 5 % failed requests)",
    });
  if (!isWhole(spec.maxP95Ms, 1, Number.MAX_SAFE_INTEGER))
    issues.push({ path: "rollout.maxP95Ms", message: "must be a whole number of at least 1" });
  return issues;
}

/** Validates a rollout; throws ROLLOUT_INVALID listing every problem in `details`. */
export function parseRollout(spec: RolloutSpec): RolloutSpec {
  const issues = checkRollout(spec);
  const [first] = issues;
  if (first !== undefined)
    throw new EventFlowError("ROLLOUT_INVALID", `invalid rollout: ${first.path} ${first.message}`, {
      details: issues,
    });
  return spec;
}
