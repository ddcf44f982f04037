/** A clock the test moves by hand: timers fire in time order (ties in the order they were set). */
import type { Clock } from "../../../src/drivers/kubernetes/reconcile/index.js";

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void;
  /** Timers set and neither fired nor cancelled. */
  pending(): number;
}

export function createManualClock(): ManualClock {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => void timers.delete(id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end);
        if (due.length === 0) break;
        // Ids grow with time of setting: sorting by (at, id) keeps ties in order.
        due.sort(([a, x], [b, y]) => x.at - y.at || a - b);
        const first = due[0]!;
        const batchEnd = first[1].at;
        for (const [id, t] of due) {
          if (t.at !== batchEnd) break;
          if (!timers.delete(id)) continue;
          now = t.at;
          t.fn();
        }
      }
      now = end;
    },
    pending: () => timers.size,
  };
}
