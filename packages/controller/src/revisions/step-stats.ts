/**
 * Per-revision counters of a rollout step: requests, failed requests and the latencies for a
 * 95th percentile. Only workloads being judged are counted (one Map lookup per invoke for the
 * rest); latencies are kept up to a bound, then sampled (reservoir), so a busy step costs a
 * fixed amount of memory.
 */

/** Latencies kept per step before sampling. */
export const STEP_LATENCY_SAMPLES = 5000;

/** One step's counters. */
export interface StepCounters {
  requests: number;
  errors: number;
  /** Milliseconds, unordered. */
  readonly latencies: number[];
}

/** Whether an answer counts against a revision: a 5xx (the function's or the platform's). */
export const isFailure = (status: number): boolean => status >= 500;

export function createStepStats(random: () => number = Math.random) {
  const watched = new Map<string, StepCounters>();
  return {
    /** Starts (or restarts) counting `workloadKey` from zero. */
    watch(workloadKey: string): void {
      watched.set(workloadKey, { requests: 0, errors: 0, latencies: [] });
    },
    unwatch(workloadKey: string): void {
      watched.delete(workloadKey);
    },
    /** Counts one answer (499, a caller that left, is not the revision's doing: not counted). */
    observe(workloadKey: string, status: number, seconds: number): void {
      const c = watched.get(workloadKey);
      if (c === undefined || status === 499) return;
      c.requests++;
      if (isFailure(status)) c.errors++;
      const ms = seconds * 1000;
      if (c.latencies.length < STEP_LATENCY_SAMPLES) c.latencies.push(ms);
      else {
        const i = Math.floor(random() * c.requests);
        if (i < STEP_LATENCY_SAMPLES) c.latencies[i] = ms;
      }
    },
    /** The counters so far, with the p95 in whole milliseconds (0 without requests). */
    read(workloadKey: string): { requests: number; errors: number; p95Ms: number } {
      const c = watched.get(workloadKey);
      if (c === undefined || c.requests === 0) return { requests: 0, errors: 0, p95Ms: 0 };
      const sorted = [...c.latencies].sort((a, b) => a - b);
      const at = Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1);
      return { requests: c.requests, errors: c.errors, p95Ms: Math.round(sorted[at]!) };
    },
  };
}

export type StepStats = ReturnType<typeof createStepStats>;
