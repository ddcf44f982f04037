import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper of the benchmarks (mulberry32, seeded), no types
import { createRng } from "../../../../bench/lib/rng.mjs";
import { buildTrafficSplit, resolveTraffic, type TrafficTarget } from "../../src/index.js";

/** A seeded source of [0, 1), so the same picks come out on every run. */
const seeded = createRng as (seed: number) => () => number;

const split = (targets: TrafficTarget[]) =>
  buildTrafficSplit(resolveTraffic(targets, { function: "hello", revisions: [1, 2, 3, 4] }));

function countPicks(targets: TrafficTarget[], picks: number, seed: number): Map<number, number> {
  const table = split(targets);
  const random = seeded(seed);
  const counts = new Map<number, number>();
  for (let i = 0; i < picks; i++) {
    const { revision } = table.pick(random);
    counts.set(revision, (counts.get(revision) ?? 0) + 1);
  }
  return counts;
}

describe("buildTrafficSplit", () => {
  it.each([1, 2, 3, 42, 2026])("90/10 over 10,000 picks lands within 1 point (seed %d)", (seed) => {
    const counts = countPicks(
      [
        { revision: 3, percent: 90 },
        { revision: 4, percent: 10 },
      ],
      10_000,
      seed,
    );
    expect([...counts.keys()].sort()).toEqual([3, 4]);
    expect(Math.abs((counts.get(3) ?? 0) / 100 - 90)).toBeLessThanOrEqual(1);
    expect(Math.abs((counts.get(4) ?? 0) / 100 - 10)).toBeLessThanOrEqual(1);
  });

  it("never picks a 0 % target, however many picks", () => {
    const counts = countPicks(
      [
        { revision: 1, percent: 0, tag: "old" },
        { revision: 2, percent: 50 },
        { revision: 3, percent: 0, tag: "next" },
        { revision: 4, percent: 50 },
      ],
      10_000,
      7,
    );
    expect([...counts.keys()].sort()).toEqual([2, 4]);
  });

  it.each([
    [0, 2],
    [0.4999999, 2],
    [0.5, 4],
    [0.9999999, 4],
  ])(
    "a target of 0 percent is not picked at its edges either: %d picks revision %d",
    (r, revision) => {
      const table = split([
        { revision: 1, percent: 0, tag: "old" },
        { revision: 2, percent: 50 },
        { revision: 3, percent: 0, tag: "next" },
        { revision: 4, percent: 50 },
      ]);
      expect(table.pick(() => r).revision).toBe(revision);
    },
  );

  it.each([
    [0, 3],
    [0.8999999, 3],
    [0.9, 4],
    [0.9999999, 4],
  ])("splits [0, 1) at the cumulative percents: %d picks revision %d", (r, revision) => {
    const table = split([
      { revision: 3, percent: 90 },
      { revision: 4, percent: 10 },
    ]);
    expect(table.pick(() => r).revision).toBe(revision);
  });

  it("with one target of 100 %, always picks it", () => {
    const table = split([{ latestRevision: true, percent: 100 }]);
    expect(table.pick(() => 0).name).toBe("hello-00004");
    expect(table.pick(() => 0.999).name).toBe("hello-00004");
  });

  it("a tag reaches its revision only, also at 0 %; an unknown tag reaches none", () => {
    const table = split([
      { revision: 3, percent: 100, tag: "stable" },
      { revision: 4, percent: 0, tag: "canary" },
    ]);
    expect(table.tagged("canary")).toMatchObject({ revision: 4, percent: 0 });
    expect(table.tagged("stable")).toMatchObject({ revision: 3 });
    expect(table.tagged("other")).toBeUndefined();
  });

  it.each([1, -0.1, Number.NaN])("refuses a random source that returns %d", (r) => {
    const table = split([{ revision: 3, percent: 100 }]);
    expect(() => table.pick(() => r)).toThrow(RangeError);
  });

  it("refuses traffic where no target takes requests", () => {
    expect(() =>
      buildTrafficSplit([
        { revision: 3, name: "hello-00003", percent: 0, tag: "a", latestRevision: false },
      ]),
    ).toThrow(RangeError);
  });
});
