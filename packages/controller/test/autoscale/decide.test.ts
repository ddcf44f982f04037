import { describe, it } from "vitest";
import { checkTick, type Row } from "./decide-input.js";

describe("decide, one tick: stable, panic, rate limits, bounds, no data", () => {
  it.each<Row>([
    // Stable: ceil(observed / target), no panic while the panic window asks < 2 x ready.
    {
      name: "stable average over the target",
      in: { stable: 41, panic: 41, readyReplicas: 5, currentDesired: 5 },
      desired: 5,
      panic: false,
      reason: "stable: 60s concurrency 41 for target 10",
    },
    { name: "stable rounds up", in: { stable: 10.01, panic: 10.01, readyReplicas: 2 }, desired: 2 },
    { name: "stable grows", in: { stable: 25, panic: 25, readyReplicas: 2 }, desired: 3 },
    {
      name: "rps reads the same way",
      in: { scaling: { metric: "rps", target: 200 }, stable: 450, panic: 450, readyReplicas: 3 },
      desired: 3,
      reason: "stable: 60s rps 450 for target 200",
    },
    // Panic: the panic window asks for >= 2 x ready.
    {
      name: "panic over the threshold",
      in: { stable: 10, panic: 41, readyReplicas: 2 },
      desired: 5,
      panic: true,
      reason: "panic: 6s concurrency 41 for target 10",
    },
    {
      name: "panic at exactly the threshold",
      in: { stable: 10, panic: 40, readyReplicas: 2 },
      desired: 4,
      panic: true,
    },
    {
      name: "no panic just under it",
      in: { stable: 10, panic: 30, readyReplicas: 2 },
      desired: 1,
      panic: false,
    },
    {
      name: "zero ready counts as 1 for panic",
      in: { stable: 5, panic: 20, readyReplicas: 0 },
      desired: 2,
      panic: true,
    },
    {
      name: "panic picks the stable count when it is higher",
      in: { stable: 90, panic: 40, readyReplicas: 2 },
      desired: 9,
      panic: true,
    },
    {
      name: "no panic window data: no panic",
      in: { stable: 100, panic: undefined, readyReplicas: 1 },
      desired: 10,
      panic: false,
    },
    {
      name: "other panic threshold",
      tuning: { panicThreshold: 3 },
      in: { stable: 10, panic: 40, readyReplicas: 2 },
      desired: 1,
      panic: false,
    },
    // Rate limits relative to the ready replicas.
    {
      name: "scale-up limited to rate x ready",
      tuning: { maxScaleUpRate: 2 },
      in: { stable: 200, panic: undefined, readyReplicas: 3 },
      desired: 6,
      reason: "scale-up limited to 6 (3 ready)",
    },
    {
      name: "scale-up from no ready replica",
      tuning: { maxScaleUpRate: 2 },
      in: { stable: 100, panic: undefined, readyReplicas: 0 },
      desired: 2,
    },
    {
      name: "panic is rate limited too",
      tuning: { maxScaleUpRate: 2 },
      in: { stable: 100, panic: 100, readyReplicas: 1 },
      desired: 2,
      panic: true,
    },
    {
      name: "scale-down limited to ready / rate",
      in: { stable: 10, panic: 10, readyReplicas: 10, currentDesired: 10 },
      desired: 5,
      reason: "scale-down limited to 5 (10 ready)",
    },
    {
      name: "scale-down rounds the limit down",
      in: { stable: 0, panic: 0, readyReplicas: 3, currentDesired: 3 },
      desired: 1,
    },
    {
      name: "other scale-down rate",
      tuning: { maxScaleDownRate: 4 },
      in: { stable: 10, panic: 10, readyReplicas: 10, currentDesired: 10 },
      desired: 2,
    },
    // Bounds.
    {
      name: "minReplicas",
      in: { scaling: { minReplicas: 3 }, stable: 10, panic: 10, readyReplicas: 3 },
      desired: 3,
      reason: "minReplicas 3",
    },
    {
      name: "maxReplicas",
      in: { scaling: { maxReplicas: 4 }, stable: 100, panic: 100, readyReplicas: 4 },
      desired: 4,
      reason: "maxReplicas 4",
    },
    {
      name: "maxReplicas in panic",
      in: { scaling: { maxReplicas: 4 }, stable: 10, panic: 400, readyReplicas: 1 },
      desired: 4,
      panic: true,
    },
    // No data: keep.
    {
      name: "no data keeps the count",
      in: { stable: undefined, panic: undefined, readyReplicas: 4, currentDesired: 4 },
      desired: 4,
      reason: "no data: keep 4",
    },
    {
      name: "no data clamps to maxReplicas",
      in: { scaling: { maxReplicas: 5 }, stable: undefined, panic: undefined, currentDesired: 9 },
      desired: 5,
    },
    {
      name: "no data clamps to minReplicas",
      in: { scaling: { minReplicas: 2 }, stable: undefined, panic: undefined, currentDesired: 0 },
      desired: 2,
    },
  ])("$name", checkTick);
});
