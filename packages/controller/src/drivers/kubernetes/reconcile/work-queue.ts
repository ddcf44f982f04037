/**
 * The reconciler's work queue, with client-go's workqueue semantics: a key waits at most once
 * (adds while it waits are merged), a key being processed is never handed to a second worker
 * (adds meanwhile mark it dirty and it is queued again on `done`), failed keys come back after
 * a rate-limited delay, and delayed adds keep one timer per key.
 */
import { systemClock, type CancelTimer, type Clock } from "./clock.js";
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from "./rate-limiter.js";

/** What the queue needs; everything has a default. */
export interface WorkQueueOptions {
  readonly clock?: Clock;
  /** Retry delays for `addRateLimited`; built from `rateLimit` when absent. */
  readonly rateLimiter?: RateLimiter;
  readonly rateLimit?: RateLimiterOptions;
}

/** A rate-limited, delaying, deduplicating queue of keys such as `namespace/name`. */
export interface WorkQueue {
  /** Queues `key` unless it already waits; if it is being processed, queues it after `done`. */
  add(key: string): void;
  /** Adds `key` after `ms` (at once when `ms <= 0`); an earlier pending add of it wins. */
  addAfter(key: string, ms: number): void;
  /** Adds `key` after its rate-limited backoff (one more failure counted). */
  addRateLimited(key: string): void;
  /** Resets `key`'s backoff (call it when `key` was processed successfully). */
  forget(key: string): void;
  /** Failures counted for `key` since it was last forgotten. */
  retries(key: string): number;
  /**
   * The next key, marked as processing until `done(key)`; waits while the queue is empty.
   * Resolves undefined once the queue is shut down (after a drain: once it is empty).
   */
  get(): Promise<string | undefined>;
  /** Ends the processing of `key`; a key added meanwhile is queued again. */
  done(key: string): void;
  /** Keys waiting to be handed out (not those processing or delayed). */
  len(): number;
  /** Keys delayed by `addAfter` or `addRateLimited`, not yet queued. */
  delayed(): number;
  /**
   * Stops at once: adds are ignored, waiting and delayed keys are dropped, `get` resolves
   * undefined. Keys already handed out finish on their own. (Unlike client-go, queued keys are
   * not handed out after a shutdown: a replica that lost the lease must stop writing.)
   */
  shutDown(): void;
  /**
   * Stops taking adds (delayed keys are dropped) but hands out the keys already queued, and
   * resolves once the queue is empty and no key is processing.
   */
  shutDownWithDrain(): Promise<void>;
  isShuttingDown(): boolean;
}

/** Creates a work queue. */
export function createWorkQueue(options: WorkQueueOptions = {}): WorkQueue {
  const clock = options.clock ?? systemClock;
  const limiter = options.rateLimiter ?? createRateLimiter(clock, options.rateLimit);
  // A Set keeps insertion order: it is the FIFO and its dedupe at once.
  const queue = new Set<string>();
  // Keys that need processing: those queued, and those re-added while processing.
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const waiting = new Map<string, { readonly at: number; readonly cancel: CancelTimer }>();
  const getters: ((key: string | undefined) => void)[] = [];
  let shuttingDown = false;
  let draining = false;
  let drained: (() => void) | undefined;
  let drain: Promise<void> | undefined;

  const hand = (key: string): string => {
    queue.delete(key);
    dirty.delete(key);
    processing.add(key);
    return key;
  };
  const enqueue = (key: string) => {
    const getter = getters.shift();
    if (getter) {
      dirty.add(key);
      getter(hand(key));
    } else queue.add(key);
  };
  const checkDrained = () => {
    if (draining && queue.size === 0 && processing.size === 0) drained?.();
  };
  const dropDelayed = () => {
    for (const { cancel } of waiting.values()) cancel();
    waiting.clear();
  };

  const add = (key: string) => {
    if (shuttingDown || dirty.has(key)) return;
    dirty.add(key);
    if (!processing.has(key)) enqueue(key);
  };

  const addAfter = (key: string, ms: number) => {
    if (shuttingDown) return;
    if (!(ms > 0)) return add(key);
    const at = clock.now() + ms;
    const pending = waiting.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const cancel = clock.setTimer(() => {
      waiting.delete(key);
      add(key);
    }, ms);
    waiting.set(key, { at, cancel });
  };

  return {
    add,
    addAfter,
    addRateLimited: (key) => {
      if (!shuttingDown) addAfter(key, limiter.when(key));
    },
    forget: (key) => limiter.forget(key),
    retries: (key) => limiter.retries(key),
    get() {
      const next = queue.values().next();
      if (!next.done) return Promise.resolve(hand(next.value));
      if (shuttingDown) return Promise.resolve(undefined);
      return new Promise((resolve) => getters.push(resolve));
    },
    done(key) {
      if (!processing.delete(key)) return;
      if (dirty.has(key) && !shuttingDown) enqueue(key);
      else dirty.delete(key);
      checkDrained();
    },
    len: () => queue.size,
    delayed: () => waiting.size,
    shutDown() {
      shuttingDown = true;
      draining = false;
      dropDelayed();
      queue.clear();
      dirty.clear();
      for (const getter of getters.splice(0)) getter(undefined);
      drained?.();
    },
    shutDownWithDrain() {
      if (drain) return drain;
      if (shuttingDown) return Promise.resolve();
      shuttingDown = true;
      draining = true;
      dropDelayed();
      // Getters wait only on an empty queue, and nothing can be added any more.
      for (const getter of getters.splice(0)) getter(undefined);
      drain = new Promise<void>((resolve) => (drained = resolve));
      checkDrained();
      return drain;
    },
    isShuttingDown: () => shuttingDown,
  };
}
