import { describe, expect, it } from "vitest";
import {
  ROLLOUT_MIN_REQUESTS,
  checkRollout,
  rolloutPercent,
  startRollout,
  stepRollout,
  type RolloutSpec,
  type RolloutState,
} from "../../src/index.js";

const spec: RolloutSpec = {
  steps: [10, 50, 100],
  intervalSeconds: 60,
  maxErrorRate: 0.05,
  maxP95Ms: 500,
};
const T0 = 1_000_000;
const MINUTE = 60_000;
const healthy = { requests: 100, errors: 0, p95Ms: 120 };
const at = (step: number, since = T0): RolloutState => ({ phase: "progressing", step, since });

describe("checkRollout", () => {
  it("accepts a valid rollout", () => {
    expect(checkRollout(spec)).toEqual([]);
    expect(checkRollout({ ...spec, steps: [100], maxErrorRate: 0 })).toEqual([]);
    expect(checkRollout({ ...spec, maxErrorRate: 1 })).toEqual([]);
  });

  it.each<[string, Partial<RolloutSpec>, string[]]>([
    ["no steps", { steps: [] }, ["rollout.steps"]],
    ["not ending at 100", { steps: [10, 50] }, ["rollout.steps"]],
    ["not ascending", { steps: [50, 10, 100] }, ["rollout.steps.1"]],
    ["a repeated step", { steps: [10, 10, 100] }, ["rollout.steps.1"]],
    ["a step of 0", { steps: [0, 100] }, ["rollout.steps.0"]],
    ["a fractional step", { steps: [12.5, 100] }, ["rollout.steps.0"]],
    ["a step above 100", { steps: [10, 150] }, ["rollout.steps.1", "rollout.steps"]],
    ["too many steps", { steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100] }, ["rollout.steps"]],
    ["a zero interval", { intervalSeconds: 0 }, ["rollout.intervalSeconds"]],
    ["an error rate written as a percent", { maxErrorRate: 5 }, ["rollout.maxErrorRate"]],
    ["a negative error rate", { maxErrorRate: -0.1 }, ["rollout.maxErrorRate"]],
    ["a NaN error rate", { maxErrorRate: Number.NaN }, ["rollout.maxErrorRate"]],
    ["a zero p95", { maxP95Ms: 0 }, ["rollout.maxP95Ms"]],
  ])("refuses %s", (_, change, paths) => {
    expect(checkRollout({ ...spec, ...change }).map((issue) => issue.path)).toEqual(paths);
  });
});

describe("startRollout", () => {
  it("starts progressing at the first step", () => {
    expect(startRollout(spec, T0)).toEqual({ state: at(0), percent: 10 });
  });

  it("a single step of 100 promotes at once", () => {
    const { state, percent } = startRollout({ ...spec, steps: [100] }, T0);
    expect(state.phase).toBe("promoted");
    expect(percent).toBe(100);
  });

  it("throws ROLLOUT_INVALID for a spec that breaks the rules", () => {
    expect(() => startRollout({ ...spec, steps: [50, 10] }, T0)).toThrow(
      expect.objectContaining({ code: "ROLLOUT_INVALID", status: 400 }),
    );
  });
});

describe("stepRollout", () => {
  it("waits while the interval runs, even with errors", () => {
    const tick = { now: T0 + MINUTE - 1, requests: 100, errors: 100, p95Ms: 9_000 };
    expect(stepRollout(spec, at(0), tick)).toEqual({ state: at(0), percent: 10 });
  });

  it("a healthy step passes after the interval: the next step begins", () => {
    const now = T0 + MINUTE;
    expect(stepRollout(spec, at(0), { now, ...healthy })).toEqual({
      state: at(1, now),
      percent: 50,
    });
  });

  it("passing the step before the last one promotes", () => {
    const now = T0 + MINUTE;
    const { state, percent } = stepRollout(spec, at(1), { now, ...healthy });
    expect(state).toMatchObject({ phase: "promoted", step: 2, since: now });
    expect(state.reason).toContain("step 3 (100%)");
    expect(percent).toBe(100);
  });

  it("a whole healthy rollout goes 10, 50, 100", () => {
    let decision = startRollout(spec, T0);
    const percents = [decision.percent];
    for (let minute = 1; decision.state.phase === "progressing"; minute++) {
      decision = stepRollout(spec, decision.state, { now: T0 + minute * MINUTE, ...healthy });
      percents.push(decision.percent);
    }
    expect(percents).toEqual([10, 50, 100]);
  });

  it("with no traffic at all, waits and says why (it neither passes nor fails)", () => {
    const now = T0 + 10 * MINUTE;
    const { state, percent } = stepRollout(spec, at(0), { now, requests: 0, errors: 0, p95Ms: 0 });
    expect(state).toMatchObject({ phase: "progressing", step: 0, since: T0 });
    expect(state.reason).toBe("step 1 (10%): waiting for 20 requests to judge it, 0 so far");
    expect(percent).toBe(10);
  });

  it("one request short of the minimum waits, even when every request failed", () => {
    const tick = { now: T0 + MINUTE, requests: ROLLOUT_MIN_REQUESTS - 1, errors: 19, p95Ms: 1 };
    expect(stepRollout(spec, at(1), tick).state).toMatchObject({ phase: "progressing", step: 1 });
  });

  it("the minimum of requests is judged", () => {
    const tick = { now: T0 + MINUTE, requests: ROLLOUT_MIN_REQUESTS, errors: 0, p95Ms: 1 };
    expect(stepRollout(spec, at(0), tick).state).toMatchObject({ phase: "progressing", step: 1 });
  });

  it("an error rate over the limit rolls back, with a reason a person reads", () => {
    const now = T0 + MINUTE;
    const tick = { now, requests: 100, errors: 12, p95Ms: 100 };
    expect(stepRollout(spec, at(1), tick)).toEqual({
      state: {
        phase: "rolledBack",
        step: 1,
        since: now,
        reason: "step 2 (50%): error rate 12% > 5%",
      },
      percent: 0,
    });
  });

  it("a p95 over the limit rolls back", () => {
    const tick = { now: T0 + MINUTE, requests: 100, errors: 0, p95Ms: 830 };
    const { state, percent } = stepRollout(spec, at(0), tick);
    expect(state).toMatchObject({ phase: "rolledBack", step: 0 });
    expect(state.reason).toBe("step 1 (10%): p95 830 ms > 500 ms");
    expect(percent).toBe(0);
  });

  it("both limits broken: the reason names both", () => {
    const tick = { now: T0 + MINUTE, requests: 40, errors: 5, p95Ms: 501 };
    expect(stepRollout(spec, at(0), tick).state.reason).toBe(
      "step 1 (10%): error rate 12.5% > 5%, p95 501 ms > 500 ms",
    );
  });

  it.each([
    ["error rate", { requests: 20, errors: 1, p95Ms: 100 }, 0.05, 500],
    ["error rate", { requests: 100, errors: 7, p95Ms: 100 }, 0.07, 500],
    ["p95", { requests: 100, errors: 0, p95Ms: 500 }, 0.05, 500],
    ["both", { requests: 100, errors: 0, p95Ms: 1 }, 0, 1],
  ])("a limit exactly met passes (%s)", (_, counters, maxErrorRate, maxP95Ms) => {
    const tight = { ...spec, maxErrorRate, maxP95Ms };
    const { state } = stepRollout(tight, at(0), { now: T0 + MINUTE, ...counters });
    expect(state).toMatchObject({ phase: "progressing", step: 1 });
  });

  it.each<RolloutState>([
    { phase: "promoted", step: 2, since: T0, reason: "done" },
    { phase: "rolledBack", step: 1, since: T0, reason: "failed" },
  ])("an ended rollout stays as it is ($phase)", (state) => {
    const tick = { now: T0 + 99 * MINUTE, requests: 100, errors: 100, p95Ms: 9_000 };
    expect(stepRollout(spec, state, tick)).toEqual({ state, percent: rolloutPercent(spec, state) });
  });

  it("the percent of each phase", () => {
    expect(rolloutPercent(spec, at(1))).toBe(50);
    expect(rolloutPercent(spec, { phase: "promoted", step: 2, since: T0 })).toBe(100);
    expect(rolloutPercent(spec, { phase: "rolledBack", step: 1, since: T0 })).toBe(0);
  });

  it.each([
    { requests: -1, errors: 0, p95Ms: 0 },
    { requests: 10, errors: 11, p95Ms: 0 },
    { requests: 1.5, errors: 0, p95Ms: 0 },
    { requests: 10, errors: 0, p95Ms: Number.NaN },
  ])("refuses counters that are not counts: %j", (counters) => {
    expect(() => stepRollout(spec, at(0), { now: T0, ...counters })).toThrow(RangeError);
  });

  it("refuses a progressing state on the last step or past the steps", () => {
    expect(() => stepRollout(spec, at(2), { now: T0, ...healthy })).toThrow(RangeError);
    expect(() => stepRollout(spec, at(-1), { now: T0, ...healthy })).toThrow(RangeError);
  });
});
