/**
 * Workers that take keys from a work queue and reconcile them: a success forgets the key's
 * backoff, a failure re-queues it rate-limited; either way the key is done and the worker
 * takes the next one, so one broken object never stops the loop.
 */
import { EventFlowError } from "@eventflow/protocol";
import type { WorkQueue } from "./work-queue.js";

/** Reconciles one key; a rejection means "retry later". */
export type Reconcile = (key: string) => Promise<void>;

/** Hooks for what the workers observe. */
export interface RunWorkersOptions {
  /** Called with each failure (after which the key is re-queued with backoff). */
  readonly onError?: (key: string, error: unknown) => void;
}

async function work(queue: WorkQueue, reconcile: Reconcile, options: RunWorkersOptions) {
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    try {
      await reconcile(key);
      queue.forget(key);
    } catch (error) {
      queue.addRateLimited(key);
      try {
        options.onError?.(key, error);
      } catch {
        // A failing error hook must not end the worker: the key is already re-queued.
      }
    } finally {
      queue.done(key);
    }
  }
}

/**
 * Runs `count` workers on `queue` until it shuts down; resolves when all have stopped.
 * With client-go's queue semantics no two workers ever hold the same key.
 */
export async function runWorkers(
  queue: WorkQueue,
  count: number,
  reconcile: Reconcile,
  options: RunWorkersOptions = {},
): Promise<void> {
  if (!Number.isInteger(count) || count < 1)
    throw new EventFlowError("CONFIG_INVALID", "runWorkers: count must be a positive integer");
  await Promise.all(Array.from({ length: count }, () => work(queue, reconcile, options)));
}
