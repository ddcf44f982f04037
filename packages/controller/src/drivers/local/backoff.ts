/** Restart backoff for crashed replicas: `initialMs * factor^(n-1)`, capped at `maxMs`. */
export interface RestartBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** A replica that stayed ready this long has its crash count reset. */
  readonly resetAfterMs: number;
  /** Consecutive crashes after which the function is reported as crash looping. */
  readonly crashLoopThreshold: number;
}

/** Defaults close to Kubernetes' CrashLoopBackOff, but faster: this is a development driver. */
export const DEFAULT_RESTART_BACKOFF: RestartBackoff = Object.freeze({
  initialMs: 200,
  maxMs: 30_000,
  factor: 2,
  resetAfterMs: 30_000,
  crashLoopThreshold: 3,
});

/** Delay before restart number `crashes` (1 for the first crash). */
export function backoffDelay(policy: RestartBackoff, crashes: number): number {
  const n = Math.max(1, crashes);
  return Math.min(policy.maxMs, Math.round(policy.initialMs * policy.factor ** (n - 1)));
}
