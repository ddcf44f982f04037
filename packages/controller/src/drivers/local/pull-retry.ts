import type { FunctionSupervisor, ResolvedApp } from "./function-supervisor.js";

/** Delays between pulls of an image that failed (doubling from `initialMs` up to `maxMs`). */
export interface PullRetryDelays {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Like a kubelet's image pull backoff: 10 s, doubling, at most 5 min. */
export const DEFAULT_PULL_RETRY: PullRetryDelays = { initialMs: 10_000, maxMs: 300_000 };

/** What the retries need from the driver. */
export interface PullRetryDeps {
  readonly delays: PullRetryDelays;
  resolveApp(image: string): Promise<ResolvedApp>;
  /** Still this function's supervisor, not closed, and still failed on its image. */
  isCurrent(sup: FunctionSupervisor): boolean;
  /** The image came through: roll the function out with it. */
  apply(sup: FunctionSupervisor, app: ResolvedApp): void;
  /** The pull failed again (records the error and may schedule the next retry). */
  fail(sup: FunctionSupervisor, error: unknown): void;
}

/**
 * Pulls the image of a function left Failed by a registry refusal (or a registry that was
 * down) again with backoff, so that fixing the credentials (`docker login`) is enough: no
 * redeploy. An update or a delete in between wins; a closed driver schedules nothing.
 */
export function createPullRetries(deps: PullRetryDeps) {
  const timers = new Map<FunctionSupervisor, NodeJS.Timeout>();
  const attempts = new WeakMap<FunctionSupervisor, number>();
  let closed = false;

  async function retry(sup: FunctionSupervisor): Promise<void> {
    if (!deps.isCurrent(sup)) return;
    const image = sup.spec.image;
    const still = () => deps.isCurrent(sup) && sup.spec.image === image;
    let app: ResolvedApp;
    try {
      app = await deps.resolveApp(image);
    } catch (error) {
      if (still()) deps.fail(sup, error);
      return;
    }
    if (!still()) return;
    attempts.delete(sup);
    deps.apply(sup, app);
  }

  return {
    /** Schedules the next pull of `sup`'s image (once; the delay grows with each attempt). */
    schedule(sup: FunctionSupervisor): void {
      if (closed || timers.has(sup)) return;
      const n = attempts.get(sup) ?? 0;
      attempts.set(sup, n + 1);
      const delay = Math.min(deps.delays.initialMs * 2 ** n, deps.delays.maxMs);
      const timer = setTimeout(() => {
        timers.delete(sup);
        void retry(sup);
      }, delay);
      timer.unref();
      timers.set(sup, timer);
    },
    close(): void {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
