/**
 * A time-bucketed window of one function's load (the sum over its replicas of in-flight requests
 * or requests per second), from which the autoscaler reads the stable and the panic averages.
 * Pure: time is passed in.
 */
import { AUTOSCALER_TUNING } from "./decide.js";

export interface MetricWindow {
  /** Records a sample (the sum over replicas) taken at `atMs`. Negative or non-finite values are ignored. */
  record(atMs: number, value: number): void;
  /**
   * Mean of the bucket means over the buckets that hold samples and start within
   * `(nowMs - windowMs, nowMs]` (so `windowMs / bucketMs` buckets at most); undefined when none does.
   */
  average(nowMs: number, windowMs: number): number | undefined;
  /** When a sample above zero was last recorded (kept past the retention). */
  lastNonZeroAt(): number | undefined;
}

export interface MetricWindowOptions {
  /** Width of a bucket (default 1 s). */
  readonly bucketMs?: number;
  /** Buckets older than this behind the newest sample are dropped (default: the stable window). */
  readonly retainMs?: number;
}

interface Bucket {
  sum: number;
  count: number;
}

/**
 * A bucket that receives several samples keeps their mean: each sample is already the sum over
 * all replicas at one instant, so adding them would count the same load twice, and the max would
 * bias every average upwards.
 *
 * A bucket without a sample inside the window is left out rather than counted as zero. Knative
 * scrapes once per bucket and counts a gap as zero; this controller samples every tick (2 s, twice
 * the bucket) and records an explicit 0 when it saw no load, so a missing bucket means "not
 * measured" (no tick in that second, or replicas that did not answer), never "idle".
 */
export function createMetricWindow(options: MetricWindowOptions = {}): MetricWindow {
  const bucketMs = Math.max(1, options.bucketMs ?? 1_000);
  const retainMs = Math.max(bucketMs, options.retainMs ?? AUTOSCALER_TUNING.stableWindowMs);
  const buckets = new Map<number, Bucket>();
  let newest = Number.NEGATIVE_INFINITY;
  let lastNonZero: number | undefined;

  function prune(): void {
    const oldest = Math.floor((newest - retainMs) / bucketMs);
    for (const key of buckets.keys()) if (key <= oldest) buckets.delete(key);
  }

  return {
    record(atMs, value) {
      if (!Number.isFinite(atMs) || !Number.isFinite(value) || value < 0) return;
      if (atMs <= newest - retainMs) return;
      const key = Math.floor(atMs / bucketMs);
      const bucket = buckets.get(key);
      if (bucket) {
        bucket.sum += value;
        bucket.count += 1;
      } else {
        buckets.set(key, { sum: value, count: 1 });
      }
      if (value > 0 && (lastNonZero === undefined || atMs > lastNonZero)) lastNonZero = atMs;
      if (atMs > newest) {
        newest = atMs;
        prune();
      }
    },
    average(nowMs, windowMs) {
      const first = Math.floor((nowMs - windowMs) / bucketMs);
      const last = Math.floor(nowMs / bucketMs);
      let total = 0;
      let n = 0;
      for (const [key, bucket] of buckets) {
        if (key <= first || key > last) continue;
        total += bucket.sum / bucket.count;
        n += 1;
      }
      return n === 0 ? undefined : total / n;
    },
    lastNonZeroAt() {
      return lastNonZero;
    },
  };
}
