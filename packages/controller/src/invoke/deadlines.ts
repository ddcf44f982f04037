/** A pending deadline; `cancel()` is idempotent. */
export interface Deadline {
  cancel(): void;
}

interface Entry {
  at: number;
  fire: () => void;
}

/**
 * Per-request timeouts on one shared timer: adding and cancelling are a Set insert and delete,
 * instead of a setTimeout/clearTimeout pair per invoke on the hot path. Deadlines fire up to
 * `resolutionMs` late, which is nothing next to timeouts counted in seconds.
 */
export function createDeadlines(resolutionMs = 50, now: () => number = Date.now) {
  const entries = new Set<Entry>();
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    const t = now();
    for (const e of entries) {
      if (e.at <= t) {
        entries.delete(e);
        e.fire();
      }
    }
    if (entries.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    /** Calls `fire` once `ms` have passed, unless cancelled first. */
    add(ms: number, fire: () => void): Deadline {
      const entry: Entry = { at: now() + ms, fire };
      entries.add(entry);
      if (!timer) {
        timer = setInterval(tick, resolutionMs);
        timer.unref();
      }
      return { cancel: () => void entries.delete(entry) };
    },
    get size(): number {
      return entries.size;
    },
  };
}
