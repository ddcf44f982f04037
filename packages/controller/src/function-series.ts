/**
 * A small in-memory time series per function for the dashboard: invocations, errors (5xx),
 * client errors (4xx, the function's own answers and the platform's refusals alike), cold starts
 * and a coarse latency histogram per 10-second bucket, kept for 24 hours, sparse (buckets exist
 * only when there was traffic), aggregated into steps when queried. Beside them, the replica
 * counts (desired and ready) the autoscaler reports every tick, kept as runs of equal values so
 * an idle function costs a few entries a day, not one per bucket.
 */
import type { MetricsPoint } from "@eventflow/protocol";
import { METRIC_RANGES, type MetricRange } from "./schemas/observe.js";

const BUCKET_SECONDS = 10;
const RETENTION_SECONDS = 86_400;
/** Latency histogram bounds in ms: 0.25 ms to about 10 min, each 1.5x the previous. */
const BOUNDS_MS: readonly number[] = Array.from({ length: 38 }, (_, i) => 0.25 * 1.5 ** i);

interface Bucket {
  invocations: number;
  errors: number;
  clientErrors: number;
  coldStarts: number;
  histogram: Uint32Array;
}

/** Consecutive buckets (`first`..`last`) whose last replica sample was the same. */
interface ReplicaRun {
  first: number;
  last: number;
  readonly desired: number;
  readonly ready: number;
}

/** Records invocations and answers ranges. */
export interface FunctionSeries {
  /** One invocation; `coldStart` when it waited for a replica to start. */
  record(key: string, statusCode: number, seconds: number, coldStart?: boolean): void;
  /**
   * The replica counts of a function at `atMs` (default now): what the autoscaler asks for and
   * how many are ready. The last sample of a 10 s bucket counts; a step shows its buckets' highest.
   */
  replicas(key: string, desired: number, ready: number, atMs?: number): void;
  query(key: string, range: MetricRange): { stepSeconds: number; points: MetricsPoint[] };
  forget(key: string): void;
}

function histogramIndex(ms: number): number {
  // A plain loop: it runs on every invoke, and most answers fall in the first buckets.
  for (let i = 0; i < BOUNDS_MS.length; i++) if (ms <= BOUNDS_MS[i]!) return i;
  return BOUNDS_MS.length;
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
  const replicaRuns = new Map<string, ReplicaRun[]>();

  function prune(buckets: Map<number, Bucket>, current: number): void {
    const oldest = current - RETENTION_SECONDS / BUCKET_SECONDS;
    for (const index of buckets.keys()) {
      if (index >= oldest) break;
      buckets.delete(index);
    }
  }

  return {
    record(key, statusCode, seconds, coldStart) {
      const index = Math.floor(now() / 1000 / BUCKET_SECONDS);
      let buckets = byFunction.get(key);
      if (buckets === undefined) byFunction.set(key, (buckets = new Map()));
      let bucket = buckets.get(index);
      if (bucket === undefined) {
        prune(buckets, index);
        const histogram = new Uint32Array(BOUNDS_MS.length + 1);
        bucket = { invocations: 0, errors: 0, clientErrors: 0, coldStarts: 0, histogram };
        buckets.set(index, bucket);
      }
      bucket.invocations += 1;
      if (statusCode >= 500) bucket.errors += 1;
      else if (statusCode >= 400) bucket.clientErrors += 1;
      if (coldStart === true) bucket.coldStarts += 1;
      const h = histogramIndex(seconds * 1000);
      bucket.histogram[h] = (bucket.histogram[h] ?? 0) + 1;
    },
    replicas(key, desired, ready, atMs = now()) {
      if (!Number.isFinite(desired) || !Number.isFinite(ready)) return;
      const index = Math.floor(atMs / 1000 / BUCKET_SECONDS);
      let runs = replicaRuns.get(key);
      if (runs === undefined) replicaRuns.set(key, (runs = []));
      addReplicaSample(runs, index, { desired, ready });
      const oldest = index - RETENTION_SECONDS / BUCKET_SECONDS;
      while (runs.length > 0 && runs[0]!.last < oldest) runs.shift();
      if (runs[0] !== undefined && runs[0].first < oldest) runs[0].first = oldest;
    },
    query(key, range) {
      const { seconds, step } = METRIC_RANGES[range];
      const stepsPerBucket = step / BUCKET_SECONDS;
      const end = Math.floor(now() / 1000 / step) * step + step;
      const start = end - seconds;
      const buckets = byFunction.get(key);
      const runs = replicaRuns.get(key) ?? [];
      let run = 0;
      const points: MetricsPoint[] = [];
      for (let t = start; t < end; t += step) {
        let invocations = 0;
        let errors = 0;
        let clientErrors = 0;
        let coldStarts = 0;
        const histogram = new Uint32Array(BOUNDS_MS.length + 1);
        const first = t / BUCKET_SECONDS;
        for (let i = first; i < first + stepsPerBucket; i++) {
          const b = buckets?.get(i);
          if (b === undefined) continue;
          invocations += b.invocations;
          errors += b.errors;
          clientErrors += b.clientErrors;
          coldStarts += b.coldStarts;
          for (let j = 0; j < histogram.length; j++) histogram[j]! += b.histogram[j] ?? 0;
        }
        const stepEnd = first + stepsPerBucket;
        while (run < runs.length && runs[run]!.last < first) run++;
        let desired: number | null = null;
        let ready: number | null = null;
        for (let r = run; r < runs.length && runs[r]!.first < stepEnd; r++) {
          desired = Math.max(desired ?? 0, runs[r]!.desired);
          ready = Math.max(ready ?? 0, runs[r]!.ready);
        }
        points.push({
          timestamp: new Date(t * 1000).toISOString(),
          invocations,
          errors,
          client_errors: clientErrors,
          cold_starts: coldStarts,
          p50_ms: quantileMs(histogram, 0.5),
          p95_ms: quantileMs(histogram, 0.95),
          replicas_desired: desired,
          replicas_ready: ready,
        });
      }
      return { stepSeconds: step, points };
    },
    forget(key) {
      byFunction.delete(key);
      replicaRuns.delete(key);
    },
  };
}

/**
 * Adds a sample at bucket `index` to runs kept in bucket order: extends the last run when the
 * values are the same, replaces the bucket's earlier sample otherwise. A sample older than the
 * last run (a clock step back) is dropped.
 */
function addReplicaSample(
  runs: ReplicaRun[],
  index: number,
  values: { desired: number; ready: number },
): void {
  const tail = runs.at(-1);
  if (tail !== undefined && index < tail.last) return;
  if (tail !== undefined && tail.desired === values.desired && tail.ready === values.ready) {
    if (index === tail.last || index === tail.last + 1) {
      tail.last = index;
      return;
    }
  }
  if (tail !== undefined && index === tail.last) {
    if (tail.first === index) runs.pop();
    else tail.last = index - 1;
  }
  runs.push({ first: index, last: index, ...values });
}
