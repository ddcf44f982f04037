/**
 * Per-tenant invoke rate limits: one token bucket per tenant, refilled continuously. Taking a
 * token is a Map lookup and some arithmetic, synchronous, so the invoke hot path pays nothing
 * measurable (a promise-based limiter such as rate-limiter-flexible would add a promise per
 * invoke for a check that never does I/O here). Buckets live in this process: with several
 * controller replicas each enforces the limit on what it serves.
 */

/** Limiter settings (from EVENTFLOW_TENANT_INVOKE_RATE / _BURST). */
export interface RateLimitOptions {
  /** Sustained invokes per second per tenant. */
  readonly ratePerSecond: number;
  /** Invokes a quiet tenant may send at once. */
  readonly burst: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Tenants idle this long have a full bucket anyway: their entries are dropped. */
const IDLE_MS = 60_000;

/** A per-tenant token bucket limiter. */
export interface TenantRateLimiter {
  /** Takes one token: 0 when the invoke may go, else seconds until one is available (>= 1). */
  take(tenant: string): number;
}

/** Creates the limiter. */
export function createTenantRateLimiter(options: RateLimitOptions): TenantRateLimiter {
  const { ratePerSecond: rate, burst } = options;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  let swept = now();

  function sweep(t: number): void {
    swept = t;
    for (const [tenant, b] of buckets) if (t - b.at > IDLE_MS) buckets.delete(tenant);
  }

  return {
    take(tenant) {
      const t = now();
      if (t - swept > IDLE_MS) sweep(t);
      let b = buckets.get(tenant);
      if (b === undefined) buckets.set(tenant, (b = { tokens: burst, at: t }));
      else {
        b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
        b.at = t;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / rate));
    },
  };
}
