/**
 * The delivery loop every backend runs: a delivery's record gets its next attempt (unless it is
 * not due, or its function is at its in-flight limit), the outcome goes through the model, the
 * record is saved, and only then is the delivery acked or retried. A worker that dies before
 * the ack leaves the delivery to be made again (at least once).
 */
import type { Consumer, Delivery, QueueBackend } from "./queue.js";
import {
  beginAttempt,
  endAttempt,
  FINAL_STATES,
  withExpiry,
  type AttemptOutcome,
  type Invocation,
} from "./model.js";

/** Runs one attempt: calls the function and reports what happened; never throws on purpose. */
export type Deliverer = (inv: Invocation) => Promise<AttemptOutcome>;

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  readonly backend: QueueBackend;
  readonly deliver: Deliverer;
  readonly now: () => Date;
  /** Deliveries handled at once by this worker. */
  readonly concurrency: number;
  /** Attempts of one function running at once in this worker. */
  readonly maxInFlightPerFunction: number;
  /** How long final records are kept. */
  readonly ttlMs: number;
  /** How often a long attempt tells the backend it is still at work. */
  readonly keepAliveMs: number;
  /** Called with every record the worker saved after an attempt (metrics, callbacks). */
  readonly onAttempt?: (inv: Invocation, outcome: AttemptOutcome | undefined) => void;
  readonly onError?: (error: unknown, delivery: Delivery) => void;
}

/** When a function is at its in-flight limit, its delivery comes back after this long. */
const BUSY_RETRY_MS = 100;
/** A delivery whose record is not there yet is tried this often, this far apart. */
const EARLY_DELIVERY_TRIES = 20;
const EARLY_DELIVERY_RETRY_MS = 50;

/** Starts consuming the backend's deliveries. */
export function startWorker(options: WorkerOptions): Consumer {
  const { backend, now } = options;
  const inFlight = new Map<string, number>();

  async function attempt(delivery: Delivery, inv: Invocation): Promise<void> {
    const started = beginAttempt(inv, now());
    if (FINAL_STATES.has(started.state)) {
      const dead = withExpiry(started, options.ttlMs, now());
      await backend.save(dead);
      options.onAttempt?.(dead, undefined);
      await delivery.ack();
      return;
    }
    await backend.save(started);
    const timer = setInterval(() => delivery.keepAlive(), options.keepAliveMs);
    let outcome: AttemptOutcome;
    try {
      outcome = await options.deliver(started);
    } catch (error) {
      outcome = {
        kind: "error",
        error: { code: "INTERNAL", message: String(error) },
        retryable: true,
      };
    } finally {
      clearInterval(timer);
    }
    const { invocation, retryInMs } = endAttempt(started, outcome, now());
    const saved = withExpiry(invocation, options.ttlMs, now());
    await backend.save(saved);
    options.onAttempt?.(saved, outcome);
    if (retryInMs === undefined) await delivery.ack();
    else await delivery.retry(retryInMs);
  }

  async function handle(delivery: Delivery): Promise<void> {
    try {
      const inv = await delivery.load();
      // A controller from before deliveries carried their record stored the record and
      // published a pointer at once: such a delivery may come first. One whose record never
      // appears (purged, or its enqueue failed) is dropped.
      if (inv === undefined && delivery.deliveryCount < EARLY_DELIVERY_TRIES) {
        await delivery.retry(EARLY_DELIVERY_RETRY_MS);
        return;
      }
      if (inv === undefined || FINAL_STATES.has(inv.state)) {
        await delivery.ack();
        return;
      }
      const due = inv.nextAttemptAt === undefined ? 0 : Date.parse(inv.nextAttemptAt);
      const wait = due - now().getTime();
      if (inv.state === "queued" && wait > 0) {
        await delivery.retry(wait);
        return;
      }
      const key = `${inv.tenant}/${inv.function}`;
      const running = inFlight.get(key) ?? 0;
      if (running >= options.maxInFlightPerFunction) {
        await delivery.retry(BUSY_RETRY_MS);
        return;
      }
      inFlight.set(key, running + 1);
      try {
        await attempt(delivery, inv);
      } finally {
        const left = (inFlight.get(key) ?? 1) - 1;
        if (left === 0) inFlight.delete(key);
        else inFlight.set(key, left);
      }
    } catch (error) {
      // Not acked: the backend delivers it again (the record says how far it got).
      options.onError?.(error, delivery);
    }
  }

  return backend.consume(handle, { concurrency: options.concurrency });
}
