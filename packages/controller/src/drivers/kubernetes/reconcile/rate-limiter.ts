/**
 * How long a failed key waits before it is retried: the larger of a per-key exponential
 * backoff and an overall token bucket, so one broken object backs off alone while a storm of
 * failures cannot exceed the bucket's rate (the defaults are client-go's controller defaults).
 */
import { EventFlowError } from "@eventflow/protocol";
import type { Clock } from "./clock.js";

/** Backoff and bucket settings; every field has a default. */
export interface RateLimiterOptions {
  /** The first retry's delay (default 5 ms); each further failure doubles it. */
  readonly baseDelayMs?: number;
  /** The per-key delay never exceeds this (default 1000 s). */
  readonly maxDelayMs?: number;
  /** Retries admitted per second over all keys (default 10). */
  readonly qps?: number;
  /** Retries admitted at once before the rate applies (default 100). */
  readonly burst?: number;
}

/** Delays for retries, per key. */
export interface RateLimiter {
  /** The delay before `key`'s next retry; counts one more failure of `key`. */
  when(key: string): number;
  /** Failures counted for `key` since it last succeeded. */
  retries(key: string): number;
  /** `key` succeeded: its next failure starts from the base delay again. */
  forget(key: string): void;
}

const DEFAULTS = { baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100 } as const;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new EventFlowError("CONFIG_INVALID", `rate limiter: ${name} must be a positive number`);
  return value;
}

/** The per-key exponential backoff combined with the token bucket. */
export function createRateLimiter(clock: Clock, options: RateLimiterOptions = {}): RateLimiter {
  const base = positive("baseDelayMs", options.baseDelayMs ?? DEFAULTS.baseDelayMs);
  const max = positive("maxDelayMs", options.maxDelayMs ?? DEFAULTS.maxDelayMs);
  const perMs = positive("qps", options.qps ?? DEFAULTS.qps) / 1000;
  const burst = positive("burst", options.burst ?? DEFAULTS.burst);
  const failures = new Map<string, number>();
  // The bucket may go negative: each retry reserves a token and waits until it would exist.
  let tokens = burst;
  let filledAt = clock.now();

  const bucketDelay = (): number => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + (now - filledAt) * perMs);
    filledAt = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : -tokens / perMs;
  };

  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      // 2^n overflows to Infinity long after it passes any sane max; min() keeps it finite.
      const backoff = Math.min(max, base * 2 ** Math.min(n, 1024));
      return Math.max(backoff, bucketDelay());
    },
    retries: (key) => failures.get(key) ?? 0,
    forget: (key) => void failures.delete(key),
  };
}
