import { describe, it } from "vitest";
import { checkTick, NOW, type Row } from "./decide-input.js";

describe("decide, one tick: scale to zero and held requests", () => {
  it.each<Row>([
    // Scale to zero.
    {
      name: "idle within the grace keeps 1",
      in: { stable: 0, panic: 0, lastTrafficAtMs: NOW - 59_000 },
      desired: 1,
      reason: "keep 1 until idle 60s",
    },
    {
      name: "idle exactly the grace keeps 1",
      in: { stable: 0, panic: 0, lastTrafficAtMs: NOW - 60_000 },
      desired: 1,
    },
    {
      name: "idle past the grace: zero",
      in: { stable: 0, panic: 0, lastTrafficAtMs: NOW - 60_001 },
      desired: 0,
      reason: "idle 60s: scale to zero",
    },
    {
      name: "idle past a short grace: zero although the stable average remembers load",
      in: {
        scaling: { scaleToZeroAfterSeconds: 10 },
        stable: 3,
        panic: 0,
        lastTrafficAtMs: NOW - 12_000,
      },
      desired: 0,
    },
    {
      name: "grace 0: load on this tick is not idle",
      in: { scaling: { scaleToZeroAfterSeconds: 0 }, stable: 5, panic: 5 },
      desired: 1,
    },
    {
      name: "grace 0: zero one tick after the load",
      in: {
        scaling: { scaleToZeroAfterSeconds: 0 },
        stable: 5,
        panic: 0,
        lastTrafficAtMs: NOW - 2_000,
      },
      desired: 0,
    },
    {
      name: "never any traffic: zero",
      in: { stable: 0, panic: 0, lastTrafficAtMs: undefined },
      desired: 0,
    },
    {
      name: "minReplicas 1 never goes to zero",
      in: { scaling: { minReplicas: 1 }, stable: 0, panic: 0, lastTrafficAtMs: NOW - 600_000 },
      desired: 1,
      reasonIs: "stable: 60s concurrency 0 for target 10; minReplicas 1",
    },
    {
      name: "at zero without load stays at zero within the grace",
      in: { stable: 0, panic: 0, readyReplicas: 0, currentDesired: 0 },
      desired: 0,
    },
    {
      name: "at zero, load wakes it",
      in: { stable: 5, panic: 5, readyReplicas: 0, currentDesired: 0 },
      desired: 1,
    },
    // Held requests at zero: the cold start.
    {
      name: "held at zero: 1 at once",
      in: {
        stable: 0,
        panic: 0,
        readyReplicas: 0,
        currentDesired: 0,
        held: 3,
        lastTrafficAtMs: NOW - 600_000,
      },
      desired: 1,
      reason: "3 held: cold start",
    },
    {
      name: "held at zero without data: 1",
      in: { stable: undefined, panic: undefined, readyReplicas: 0, currentDesired: 0, held: 1 },
      desired: 1,
    },
    {
      name: "held at zero with maxReplicas 1",
      in: {
        scaling: { maxReplicas: 1 },
        stable: 0,
        panic: 0,
        readyReplicas: 0,
        currentDesired: 0,
        held: 50,
        lastTrafficAtMs: undefined,
      },
      desired: 1,
    },
    {
      // The activator's held requests are traffic even when the window saw none.
      name: "held requests count as traffic",
      in: { stable: 25, panic: 25, held: 25, lastTrafficAtMs: undefined },
      desired: 3,
      panic: true,
    },
  ])("$name", checkTick);
});
