/**
 * A small in-memory time series per function for the dashboard: invocations, errors (5xx)
 * and a coarse latency histogram per 10-second bucket, kept for 24 hours, sparse (buckets
 * exist only when there was traffic), aggregated into steps when queried.
 */
import { METRIC_RANGES, type MetricRange } from "./schemas/observe.js";

const BUCKET_SECONDS = 10;
const RETENTION_SECONDS = 86_400;
/** Latency histogram bounds in ms: 0.25 ms to about 10 min, each 1.5x the previous. */
const BOUNDS_MS: readonly number[] = Array.from({ length: 38 }, (_, i) => 0.25 * 1.5 ** i);

interface Bucket {
  invocations: number;
  errors: number;
  histogram: Uint32Array;
}

/** One aggregated step of the series. */
export interface SeriesPoint {
  readonly timestamp: string;
  readonly invocations: number;
  readonly errors: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
}

/** Records invocations and answers ranges. */
export interface FunctionSeries {
  record(key: string, statusCode: number, seconds: number): void;
  query(key: string, range: MetricRange): { stepSeconds: number; points: SeriesPoint[] };
  forget(key: string): void;
}

function histogramIndex(ms: number): number {
  const i = BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? BOUNDS_MS.length : i;
}

/** The upper bound of the bucket holding quantile `q`, or null without data. */
export function quantileMs(histogram: Uint32Array, q: number): number | null {
  let total = 0;
  for (const count of histogram) total += count;
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= rank)
      return Math.round((BOUNDS_MS[i] ?? BOUNDS_MS[BOUNDS_MS.length - 1]! * 1.5) * 1000) / 1000;
  }
  return null;
}

/** Creates the series store; `now` is injected so tests control time. */
export function createFunctionSeries(now: () => number = Date.now): FunctionSeries {
  const byFunction = new Map<string, Map<number, Bucket>>();

  function prune(buckets: Map<number, Bucket>, current: number): void {
    const oldest = current - RETENTION_SECONDS / BUCKET_SECONDS;
    for (const index of buckets.keys()) {
      if (index >= oldest) break;
      buckets.delete(index);
    }
  }

  return {
    record(key, statusCode, seconds) {
      const index = Math.floor(now() / 1000 / BUCKET_SECONDS);
      let buckets = byFunction.get(key);
      if (buckets === undefined) byFunction.set(key, (buckets = new Map()));
      let bucket = buckets.get(index);
      if (bucket === undefined) {
        prune(buckets, index);
        bucket = { invocations: 0, errors: 0, histogram: new Uint32Array(BOUNDS_MS.length + 1) };
        buckets.set(index, bucket);
      }
      bucket.invocations += 1;
      if (statusCode >= 500) bucket.errors += 1;
      const h = histogramIndex(seconds * 1000);
      bucket.histogram[h] = (bucket.histogram[h] ?? 0) + 1;
    },
    query(key, range) {
      const { seconds, step } = METRIC_RANGES[range];
      const stepsPerBucket = step / BUCKET_SECONDS;
      const end = Math.floor(now() / 1000 / step) * step + step;
      const start = end - seconds;
      const buckets = byFunction.get(key);
      const points: SeriesPoint[] = [];
      for (let t = start; t < end; t += step) {
        let invocations = 0;
        let errors = 0;
        const histogram = new Uint32Array(BOUNDS_MS.length + 1);
        const first = t / BUCKET_SECONDS;
        for (let i = first; i < first + stepsPerBucket; i++) {
          const b = buckets?.get(i);
          if (b === undefined) continue;
          invocations += b.invocations;
          errors += b.errors;
          for (let j = 0; j < histogram.length; j++) histogram[j]! += b.histogram[j] ?? 0;
        }
        points.push({
          timestamp: new Date(t * 1000).toISOString(),
          invocations,
          errors,
          p50_ms: quantileMs(histogram, 0.5),
          p95_ms: quantileMs(histogram, 0.95),
        });
      }
      return { stepSeconds: step, points };
    },
    forget(key) {
      byFunction.delete(key);
    },
  };
}
