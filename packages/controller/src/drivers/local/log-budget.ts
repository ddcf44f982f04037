/**
 * The log ingestion budget of each function: a token bucket of lines per second, so one
 * function's flood of output is dropped (and counted) before it costs the store, and other
 * functions' throughput, more than its share. Pure apart from the injected clock.
 */

/** Options of {@link createLogBudget}. */
export interface LogBudgetOptions {
  /** Lines per second each function may have stored; 0 turns the budget off. */
  readonly linesPerSecond: number;
  /** Lines a quiet function may write at once (default twice the rate, at least 1). */
  readonly burst?: number;
  /** Milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** Lines dropped since the last marker. */
  dropped: number;
}

/** Per-function buckets; a function's bucket exists from its first line until {@link LogBudget.forget}. */
export interface LogBudget {
  /** Whether one more line of `key` may be kept; if not it is counted as dropped. */
  take(key: string): boolean;
  /**
   * Lines dropped since the last call once dropping has ended (the budget allows a line
   * again), else 0: the caller writes one marker line saying how many.
   */
  takeDropped(key: string): number;
  /** Keys whose dropped lines are not reported yet. */
  dropping(): string[];
  forget(key: string): void;
}

/** Creates the budget. */
export function createLogBudget(options: LogBudgetOptions): LogBudget {
  const rate = options.linesPerSecond;
  const burst = Math.max(1, options.burst ?? rate * 2);
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();

  const refill = (key: string): Bucket => {
    const t = now();
    let b = buckets.get(key);
    if (b === undefined) buckets.set(key, (b = { tokens: burst, at: t, dropped: 0 }));
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    return b;
  };

  return {
    take(key) {
      if (rate <= 0) return true;
      const b = refill(key);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return true;
      }
      b.dropped += 1;
      return false;
    },
    takeDropped(key) {
      const b = buckets.get(key);
      if (b === undefined || b.dropped === 0) return 0;
      refill(key);
      if (b.tokens < 1) return 0;
      b.tokens -= 1;
      const n = b.dropped;
      b.dropped = 0;
      return n;
    },
    dropping: () => [...buckets].filter(([, b]) => b.dropped > 0).map(([k]) => k),
    forget(key) {
      buckets.delete(key);
    },
  };
}
