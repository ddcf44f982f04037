import { describe, expect, it } from "vitest";
import { createMetricWindow } from "../../src/autoscale/window.js";

type Sample = readonly [atMs: number, value: number];

function windowOf(samples: readonly Sample[], options?: { bucketMs?: number; retainMs?: number }) {
  const w = createMetricWindow(options);
  for (const [at, v] of samples) w.record(at, v);
  return w;
}

describe("createMetricWindow average", () => {
  it.each<{
    name: string;
    samples: Sample[];
    now: number;
    windowMs: number;
    want: number | undefined;
    bucketMs?: number;
  }>([
    { name: "no samples", samples: [], now: 10_000, windowMs: 60_000, want: undefined },
    { name: "one sample", samples: [[9_500, 4]], now: 10_000, windowMs: 60_000, want: 4 },
    {
      name: "mean over buckets",
      samples: [
        [1_000, 2],
        [3_000, 4],
        [5_000, 9],
      ],
      now: 6_000,
      windowMs: 60_000,
      want: 5,
    },
    {
      // Ticks every 2 s leave every other 1 s bucket empty: a gap is not counted as 0.
      name: "missing buckets are left out",
      samples: [
        [0, 10],
        [2_000, 10],
        [4_000, 10],
      ],
      now: 4_500,
      windowMs: 60_000,
      want: 10,
    },
    {
      name: "an explicit 0 counts",
      samples: [
        [1_000, 10],
        [3_000, 0],
      ],
      now: 4_000,
      windowMs: 60_000,
      want: 5,
    },
    {
      // Two samples in one bucket: their mean (each is already the sum over replicas), not the sum.
      name: "a bucket keeps the mean of its samples",
      samples: [
        [1_100, 2],
        [1_900, 6],
        [2_500, 10],
      ],
      now: 3_000,
      windowMs: 60_000,
      want: 7,
    },
    {
      name: "the panic window reads only its last buckets",
      samples: [
        [1_000, 100],
        [50_000, 2],
        [56_000, 4],
      ],
      now: 60_000,
      windowMs: 6_000,
      want: 4,
    },
    {
      name: "nothing in the window",
      samples: [[1_000, 100]],
      now: 60_000,
      windowMs: 6_000,
      want: undefined,
    },
    {
      // (now - window, now]: the bucket that starts exactly a window ago is out.
      name: "window bounds at bucket granularity",
      samples: [
        [0, 100],
        [1_000, 2],
      ],
      now: 60_000,
      windowMs: 60_000,
      want: 2,
    },
    {
      name: "a sample after now is not read",
      samples: [
        [5_000, 1],
        [9_000, 50],
      ],
      now: 6_000,
      windowMs: 60_000,
      want: 1,
    },
    {
      name: "2 s buckets",
      bucketMs: 2_000,
      samples: [
        [0, 2],
        [1_000, 4],
        [2_000, 9],
      ],
      now: 3_000,
      windowMs: 60_000,
      want: 6,
    },
  ])("$name", ({ samples, now, windowMs, want, bucketMs }) => {
    const w = windowOf(samples, bucketMs === undefined ? {} : { bucketMs });
    expect(w.average(now, windowMs)).toBe(want);
  });
});

describe("createMetricWindow retention and hostile samples", () => {
  it.each<{ name: string; samples: Sample[]; now: number; want: number | undefined }>([
    {
      // A replica reporting garbage must not poison the average (NaN would stick forever).
      name: "NaN, Infinity and negative values are ignored",
      samples: [
        [1_000, 4],
        [2_000, Number.NaN],
        [3_000, Number.POSITIVE_INFINITY],
        [4_000, -50],
      ],
      now: 5_000,
      want: 4,
    },
    {
      name: "a non-finite time is ignored",
      samples: [
        [1_000, 4],
        [Number.NaN, 100],
      ],
      now: 5_000,
      want: 4,
    },
    {
      // retainMs 10 s: the newest sample at 20 s drops the bucket at 1 s even for a wider window.
      name: "buckets older than the retention are dropped",
      samples: [
        [1_000, 100],
        [20_000, 2],
      ],
      now: 20_000,
      want: 2,
    },
    {
      name: "a late sample older than the retention is not kept",
      samples: [
        [20_000, 2],
        [5_000, 100],
      ],
      now: 20_000,
      want: 2,
    },
    {
      name: "a late sample within the retention is kept",
      samples: [
        [20_000, 2],
        [15_000, 6],
      ],
      now: 20_000,
      want: 4,
    },
  ])("$name", ({ samples, now, want }) => {
    const w = windowOf(samples, { retainMs: 10_000 });
    expect(w.average(now, 60_000)).toBe(want);
  });

  it("retains the stable window (60 s) by default", () => {
    const w = windowOf([
      [0, 100],
      [30_000, 2],
      [61_000, 2],
    ]);
    expect(w.average(61_000, 120_000)).toBe(2);
  });
});

describe("createMetricWindow lastNonZeroAt", () => {
  it.each<{ name: string; samples: Sample[]; want: number | undefined }>([
    { name: "never", samples: [], want: undefined },
    {
      name: "only zeros",
      samples: [
        [1_000, 0],
        [2_000, 0],
      ],
      want: undefined,
    },
    {
      name: "the last load above zero",
      samples: [
        [1_000, 3],
        [2_000, 0.5],
        [3_000, 0],
      ],
      want: 2_000,
    },
    {
      name: "a late older sample does not move it back",
      samples: [
        [5_000, 1],
        [4_000, 2],
      ],
      want: 5_000,
    },
    {
      name: "kept past the retention",
      samples: [
        [1_000, 1],
        [500_000, 0],
      ],
      want: 1_000,
    },
    {
      name: "garbage is not traffic",
      samples: [
        [1_000, 1],
        [2_000, Number.NaN],
      ],
      want: 1_000,
    },
  ])("$name", ({ samples, want }) => {
    expect(windowOf(samples).lastNonZeroAt()).toBe(want);
  });
});
