/** How failed requests are retried: attempts, exponential backoff with jitter, injectable sleep. */
export interface RetryOptions {
  /** Total attempts per request, the first included (default 3; 1 disables retries). */
  readonly attempts?: number;
  /** First backoff delay in ms, doubled on each retry (default 200). */
  readonly baseMs?: number;
  /** Upper bound of one delay, also for `retry-after` (default 5000). */
  readonly maxMs?: number;
  /** Waits `ms` milliseconds; inject a fake for fast, deterministic tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for jitter; inject a constant for deterministic delays. */
  readonly random?: () => number;
}

/** {@link RetryOptions} with every default filled in. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Fills in defaults: 3 attempts, 200 ms base, 5 s cap, real timers, Math.random jitter. */
export function toRetryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? 3)),
    baseMs: Math.max(0, options.baseMs ?? 200),
    maxMs: Math.max(0, options.maxMs ?? 5000),
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
  };
}

/**
 * The delay before retry number `retry` (1 for the first retry): `baseMs * 2^(retry-1)`,
 * scaled by a jitter factor in [0.5, 1), capped at `maxMs`. A server's `retry-after`
 * (seconds) takes precedence, also capped.
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfter?: string | undefined,
): number {
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(policy.maxMs, seconds * 1000);
  }
  const exponential = policy.baseMs * 2 ** Math.max(0, retry - 1);
  return Math.min(policy.maxMs, Math.round(exponential * (0.5 + policy.random() / 2)));
}
