/**
 * The activator: invokes that find no replica with room wait here, in a bounded FIFO queue per
 * function, instead of failing. A function at zero gets one replica started (the driver's
 * `waitForEndpoint`, which on Kubernetes also probes new pods directly); a function whose every
 * replica has `containerConcurrency` requests in flight waits for one to finish or for the
 * autoscaler's new replicas. A full queue or a wait past the deadline is FUNCTION_NOT_READY
 * (503 with `retry-after`); a function that cannot start fails its waiters with the driver's
 * reason (crash loop, image, deleted).
 *
 * Free slots are handed out, oldest waiter first, one waiter per slot: a request that ends
 * wakes one held invoke, not all of them (with hundreds held at a `containerConcurrency` of 1,
 * waking all would cost a pass over every waiter per request, and all but one would lose the
 * race and queue again). A handed slot counts as taken until its invoke `settle`s (its attempt
 * started, or it gave up), so nothing else is handed it meanwhile, and it goes on to the next
 * waiter if unused.
 */
import { EventFlowError } from "@eventflow/protocol";
import type { Driver, Endpoint } from "../drivers/driver.js";

/** What the activator records (the metrics module implements it). */
export interface ActivatorRecorder {
  /** Invocations held for a function right now. */
  queueDepth(fn: { tenant: string; name: string }, depth: number): void;
  /** A function at zero got its first ready replica `seconds` after the first held invoke. */
  coldStart(fn: { tenant: string; name: string }, seconds: number): void;
}

/** Options of {@link createActivator}. */
export interface ActivatorOptions {
  /** Invocations one function may hold before more are refused (503). */
  readonly maxQueued: number;
  /**
   * While a function holds invokes, how often the activator looks for room that no request's
   * end announced: new replicas, a replica gone, a function at zero (ms, default 25).
   */
  readonly recheckMs?: number;
  readonly recorder?: ActivatorRecorder;
  readonly now?: () => number;
}

/** Requests `endpoints` can take before each has `limit` in flight (`limit` 0: no limit). */
export type Room = (fnKey: string, endpoints: readonly Endpoint[], limit: number) => number;

interface Waiter {
  /** When it gives up (the activator's clock). */
  readonly deadline: number;
  readonly resolve: (endpoints: readonly Endpoint[]) => void;
  readonly reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
}

interface Held {
  readonly fn: { tenant: string; name: string };
  /** The function's `containerConcurrency`, as the latest invoke saw it. */
  limit: number;
  /** Invokes waiting for a slot, oldest first (a Set keeps insertion order). */
  readonly waiters: Set<Waiter>;
  /** Slots handed to invokes that have not settled yet. */
  handed: number;
  /** The driver's wait for a first replica, shared by the invokes held at zero. */
  starting?: Promise<void>;
  /** Why the driver could not start a replica (every waiter of this episode fails with it). */
  failure?: unknown;
  coldSince?: number;
  /** The next look for room nobody announced, while invokes wait. */
  poll?: NodeJS.Timeout;
}

const noop = () => undefined;

export function createActivator(driver: Driver, room: Room, options: ActivatorOptions) {
  const held = new Map<string, Held>();
  const recheckMs = options.recheckMs ?? 25;
  const now = options.now ?? (() => performance.now());

  function forget(fnKey: string, h: Held): void {
    if (h.waiters.size > 0 || h.handed > 0 || h.starting !== undefined) return;
    clearTimeout(h.poll);
    if (held.get(fnKey) === h) held.delete(fnKey);
  }

  /** Takes `w` out of the queue; false when it had left already (handed, failed, gone). */
  function dequeue(h: Held, w: Waiter): boolean {
    if (!h.waiters.delete(w)) return false;
    clearTimeout(w.timer);
    if (h.waiters.size === 0) {
      clearTimeout(h.poll);
      h.poll = undefined;
    }
    options.recorder?.queueDepth(h.fn, h.waiters.size);
    return true;
  }

  function leave(fnKey: string, h: Held, w: Waiter, error: unknown): void {
    if (!dequeue(h, w)) return;
    w.reject(error);
    forget(fnKey, h);
  }

  /**
   * Hands the free slots to the oldest waiters, one each; at zero, asks for a replica
   * (`mayStart`) or fails the waiters with the reason none could start.
   */
  function dispatch(fnKey: string, h: Held, mayStart: boolean): void {
    if (h.waiters.size === 0) return;
    const endpoints = driver.endpoints(h.fn.tenant, h.fn.name);
    if (endpoints.length === 0) {
      if (h.failure !== undefined) {
        for (const w of h.waiters) if (dequeue(h, w)) w.reject(h.failure);
        forget(fnKey, h);
      } else if (mayStart) {
        h.coldSince ??= now();
        h.starting ??= start(fnKey, h);
      }
      return;
    }
    if (h.coldSince !== undefined) {
      options.recorder?.coldStart(h.fn, (now() - h.coldSince) / 1000);
      h.coldSince = undefined;
    }
    let free = room(fnKey, endpoints, h.limit) - h.handed;
    for (const w of h.waiters) {
      if (free-- <= 0) break;
      dequeue(h, w);
      h.handed++;
      w.resolve(endpoints);
    }
  }

  /**
   * Asks the driver for a first replica, for as long as the longest waiter may wait. A replica
   * that cannot start (crash loop, image, function deleted) fails the waiters with the driver's
   * reason; a wait that only ran out is asked again at the next look, while waiters remain.
   */
  function start(fnKey: string, h: Held): Promise<void> {
    let timeoutMs = 1;
    for (const w of h.waiters) timeoutMs = Math.max(timeoutMs, Math.round(w.deadline - now()));
    return driver
      .waitForEndpoint(h.fn.tenant, h.fn.name, timeoutMs)
      .then(noop, (error: unknown) => {
        if (!(error instanceof EventFlowError) || error.code !== "FUNCTION_NOT_READY")
          h.failure = error;
      })
      .finally(() => {
        h.starting = undefined;
        dispatch(fnKey, h, false);
        forget(fnKey, h);
      });
  }

  function schedulePoll(fnKey: string, h: Held): void {
    if (h.poll !== undefined || h.waiters.size === 0) return;
    h.poll = setTimeout(() => {
      h.poll = undefined;
      dispatch(fnKey, h, true);
      schedulePoll(fnKey, h);
    }, recheckMs);
  }

  function full(fn: { name: string }, depth: number): EventFlowError {
    return new EventFlowError(
      "FUNCTION_NOT_READY",
      `${fn.name} has ${depth} invocations waiting for a replica already; retry later`,
      { details: { queued: depth } },
    );
  }

  function timedOut(fn: { tenant: string; name: string }, timeoutMs: number): EventFlowError {
    const cold = driver.endpoints(fn.tenant, fn.name).length === 0;
    return new EventFlowError(
      "FUNCTION_NOT_READY",
      `${fn.name} has no replica ${cold ? "ready" : "with room"} after ${timeoutMs} ms`,
    );
  }

  return {
    /**
     * Waits in `fn`'s queue until a replica has a slot for this invoke and returns the
     * endpoints; the caller then owes one {@link settle}. Throws FUNCTION_NOT_READY when the
     * queue is full or `timeoutMs` passes, the driver's error when no replica can start, and
     * `signal`'s reason when the caller leaves.
     */
    async admit(
      fnKey: string,
      fn: { tenant: string; name: string },
      limit: number,
      timeoutMs: number,
      signal?: Promise<never>,
    ): Promise<{ endpoints: readonly Endpoint[] }> {
      let h = held.get(fnKey);
      if (h === undefined) held.set(fnKey, (h = { fn, limit, waiters: new Set(), handed: 0 }));
      if (h.waiters.size >= options.maxQueued) throw full(fn, h.waiters.size);
      h.limit = limit;
      const entry = h;
      const endpoints = await new Promise<readonly Endpoint[]>((resolve, reject) => {
        const w: Waiter = { deadline: now() + timeoutMs, resolve, reject };
        entry.waiters.add(w);
        options.recorder?.queueDepth(fn, entry.waiters.size);
        w.timer = setTimeout(() => leave(fnKey, entry, w, timedOut(fn, timeoutMs)), timeoutMs);
        signal?.catch((error: unknown) => leave(fnKey, entry, w, error));
        dispatch(fnKey, entry, true);
        schedulePoll(fnKey, entry);
      });
      return { endpoints };
    },

    /**
     * An invoke that `admit` returned has started its attempt (the replica counts it now) or
     * gave up before: its slot is no longer held for it, and goes to the next waiter if unused.
     */
    settle(fnKey: string): void {
      const h = held.get(fnKey);
      if (h === undefined || h.handed === 0) return;
      h.handed--;
      dispatch(fnKey, h, true);
      forget(fnKey, h);
    },

    /** A request of `fnKey` ended: its slot goes to the oldest held invoke. */
    release(fnKey: string): void {
      const h = held.get(fnKey);
      if (h !== undefined) dispatch(fnKey, h, true);
    },

    /**
     * Whether an invoke arriving now may go straight to a replica: one has a slot that no held
     * invoke was handed, and none is held before it (a newcomer does not overtake the queue).
     */
    mayPass(fnKey: string, endpoints: readonly Endpoint[], limit: number): boolean {
      const h = held.get(fnKey);
      if (h === undefined) return room(fnKey, endpoints, limit) > 0;
      return h.waiters.size === 0 && room(fnKey, endpoints, limit) > h.handed;
    },

    /** Invocations held for a function right now. */
    queued(fnKey: string): number {
      return held.get(fnKey)?.waiters.size ?? 0;
    },
  };
}

/** The activator's type. */
export type Activator = ReturnType<typeof createActivator>;
