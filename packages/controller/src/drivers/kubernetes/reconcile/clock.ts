/**
 * Time as the work queue and the leader elector see it: injected, so tests drive it by hand
 * instead of sleeping.
 */

/** Cancels a timer set by {@link Clock.setTimer}; calling it twice is harmless. */
export type CancelTimer = () => void;

/** A monotonic clock and one-shot timers. */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds unless cancelled first. */
  setTimer(fn: () => void, ms: number): CancelTimer;
}

/** setTimeout's longest delay; Node fires a longer one after 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The process clock. Timers are unref'd: a pending retry or a renew wait never keeps a
 * stopping process alive. Delays beyond setTimeout's range are waited in steps.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    let timer: NodeJS.Timeout | undefined;
    const arm = (left: number) => {
      const step = Math.min(Math.max(0, left), MAX_TIMEOUT_MS);
      timer = setTimeout(() => (left > MAX_TIMEOUT_MS ? arm(left - MAX_TIMEOUT_MS) : fn()), step);
      timer.unref();
    };
    arm(ms);
    return () => clearTimeout(timer);
  },
};

/** Resolves after `ms` on `clock`, or at once (without rejecting) when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      cancel();
      signal?.removeEventListener("abort", finish);
      resolve();
    };
    const cancel = clock.setTimer(finish, ms);
    signal?.addEventListener("abort", finish, { once: true });
  });
}
