import { describe, expect, it } from "vitest";
import { NOW, run, type Tick } from "./decide-input.js";

describe("decide across ticks", () => {
  it.each<{ name: string; ticks: Tick[] }>([
    {
      // Panic never scales down, follows the panic window up, and ends a stable window after the
      // panic condition last held.
      name: "entering and leaving panic",
      ticks: [
        { at: 0, in: { stable: 5, panic: 41, readyReplicas: 1 }, desired: 5, panic: true },
        { at: 2_000, in: { stable: 10, panic: 10, readyReplicas: 5 }, desired: 5, panic: true },
        { at: 4_000, in: { stable: 20, panic: 81, readyReplicas: 5 }, desired: 9, panic: true },
        { at: 40_000, in: { stable: 20, panic: 20, readyReplicas: 9 }, desired: 9, panic: true },
        { at: 60_000, in: { stable: 20, panic: 20, readyReplicas: 9 }, desired: 9, panic: true },
        { at: 62_000, in: { stable: 20, panic: 20, readyReplicas: 9 }, desired: 4, panic: false },
      ],
    },
    {
      name: "the panic condition again extends the panic",
      ticks: [
        { at: 0, in: { stable: 5, panic: 40, readyReplicas: 1 }, desired: 4, panic: true },
        { at: 50_000, in: { stable: 5, panic: 80, readyReplicas: 4 }, desired: 8, panic: true },
        { at: 100_000, in: { stable: 5, panic: 5, readyReplicas: 8 }, desired: 8, panic: true },
        { at: 112_000, in: { stable: 5, panic: 5, readyReplicas: 8 }, desired: 4, panic: false },
      ],
    },
    {
      name: "scale-down delay keeps the highest count over the delay; scale-up is at once",
      ticks: [
        {
          at: 0,
          in: { scaling: { scaleDownDelaySeconds: 30 }, stable: 50, panic: 50, readyReplicas: 5 },
          desired: 5,
        },
        {
          at: 10_000,
          in: { scaling: { scaleDownDelaySeconds: 30 }, stable: 10, panic: 10, readyReplicas: 5 },
          desired: 5,
        },
        {
          at: 29_000,
          in: { scaling: { scaleDownDelaySeconds: 30 }, stable: 10, panic: 10, readyReplicas: 5 },
          desired: 5,
        },
        {
          at: 30_000,
          in: { scaling: { scaleDownDelaySeconds: 30 }, stable: 10, panic: 10, readyReplicas: 5 },
          desired: 2,
        },
        {
          at: 31_000,
          in: { scaling: { scaleDownDelaySeconds: 30 }, stable: 80, panic: 80, readyReplicas: 5 },
          desired: 8,
        },
      ],
    },
    {
      name: "scale-down delay applies to scale to zero",
      ticks: [
        {
          at: 0,
          in: {
            scaling: { scaleDownDelaySeconds: 20, scaleToZeroAfterSeconds: 10 },
            stable: 5,
            panic: 5,
            lastTrafficAtMs: NOW,
          },
          desired: 1,
        },
        {
          at: 12_000,
          in: {
            scaling: { scaleDownDelaySeconds: 20, scaleToZeroAfterSeconds: 10 },
            stable: 1,
            panic: 0,
            lastTrafficAtMs: NOW,
          },
          desired: 1,
        },
        {
          at: 19_000,
          in: {
            scaling: { scaleDownDelaySeconds: 20, scaleToZeroAfterSeconds: 10 },
            stable: 1,
            panic: 0,
            lastTrafficAtMs: NOW,
          },
          desired: 1,
        },
        {
          at: 20_000,
          in: {
            scaling: { scaleDownDelaySeconds: 20, scaleToZeroAfterSeconds: 10 },
            stable: 1,
            panic: 0,
            lastTrafficAtMs: NOW,
          },
          desired: 0,
        },
      ],
    },
    {
      name: "without a delay a lower count applies at once",
      ticks: [
        { at: 0, in: { stable: 50, panic: 50, readyReplicas: 5 }, desired: 5 },
        { at: 2_000, in: { stable: 30, panic: 30, readyReplicas: 5 }, desired: 3 },
      ],
    },
    {
      name: "idle past the grace ends a panic",
      ticks: [
        {
          at: 0,
          in: {
            scaling: { scaleToZeroAfterSeconds: 10 },
            stable: 5,
            panic: 100,
            lastTrafficAtMs: NOW,
          },
          desired: 10,
          panic: true,
        },
        {
          at: 12_000,
          in: {
            scaling: { scaleToZeroAfterSeconds: 10 },
            stable: 2,
            panic: 0,
            readyReplicas: 1,
            lastTrafficAtMs: NOW,
          },
          desired: 0,
          panic: false,
        },
      ],
    },
    {
      name: "cold start, then the stable rules",
      ticks: [
        {
          at: 0,
          in: {
            stable: 0,
            panic: 0,
            readyReplicas: 0,
            currentDesired: 0,
            held: 2,
            lastTrafficAtMs: undefined,
          },
          desired: 1,
        },
        {
          at: 2_000,
          in: {
            stable: 1,
            panic: 2,
            readyReplicas: 0,
            currentDesired: 1,
            held: 2,
            lastTrafficAtMs: NOW,
          },
          desired: 1,
        },
        {
          at: 4_000,
          in: {
            stable: 2,
            panic: 2,
            readyReplicas: 1,
            currentDesired: 1,
            lastTrafficAtMs: NOW + 4_000,
          },
          desired: 1,
        },
      ],
    },
  ])("$name", ({ ticks }) => {
    expect(run(ticks)).toEqual(ticks.map((t) => ({ desired: t.desired, panic: t.panic ?? false })));
  });
});
