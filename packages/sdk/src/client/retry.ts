/** Retry policy of idempotent calls: how many attempts and how long to wait between them. */

/** How a client retries idempotent calls that failed with 503 or a connection error. */
export interface RetryPolicy {
  /** Attempts in total, the first included (1 = never retry). Default 4. */
  readonly attempts?: number;
  /**
   * Milliseconds to wait before attempt `attempt` (2, 3, ...). `retryAfterMs` is the server's
   * `retry-after`, when it sent one. Default: exponential from 100 ms, capped at 2 s, with jitter,
   * never less than `retry-after` (capped at 10 s).
   */
  readonly backoff?: (attempt: number, retryAfterMs: number | undefined) => number;
}

/** The default backoff: 100, 200, 400 ... ms (at most 2 s) with up to 25 % jitter. */
export function defaultBackoff(attempt: number, retryAfterMs: number | undefined): number {
  const exp = Math.min(2_000, 100 * 2 ** Math.max(0, attempt - 2));
  const jittered = exp * (0.75 + Math.random() * 0.25);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, 10_000));
}

/** The `retry-after` header in milliseconds (seconds or an HTTP date), if any. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value === "") return undefined;
  if (/^[0-9]+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
