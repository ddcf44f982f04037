/**
 * The one queue interface of asynchronous invocations. A backend stores records and delivers
 * their ids at least once; what a delivery does to a record (attempts, backoff, dead letters) is
 * decided once, in the worker and model, for every backend. Two backends: node:sqlite for one
 * machine (local driver) and NATS JetStream for controller replicas. Ordering is not promised.
 */
import type { Invocation, InvocationState } from "./model.js";

/** Which records a listing returns (always one tenant's). */
export interface InvocationFilter {
  readonly tenant: string;
  readonly function?: string;
  readonly states?: readonly InvocationState[];
  /** At most this many, newest first. */
  readonly limit: number;
}

/** One delivery of an invocation to a worker, held until acked or retried. */
export interface Delivery {
  readonly tenant: string;
  readonly id: string;
  /** How many times this delivery was made (1 the first time). */
  readonly deliveryCount: number;
  /**
   * The record the worker acts on: the stored one, else the one the delivery carries (a new
   * invocation's only stored copy on a backend that enqueues in one message); undefined when
   * neither is there.
   */
  load(): Promise<Invocation | undefined>;
  /** Tells the backend the work goes on (extends the lease / ack wait). */
  keepAlive(): void;
  /** Done with this delivery: it is not delivered again. */
  ack(): Promise<void>;
  /** Deliver it again, not before `delayMs`. */
  retry(delayMs: number): Promise<void>;
}

/** A running consumer. */
export interface Consumer {
  /** Stops taking deliveries and waits for the ones in hand. */
  stop(): Promise<void>;
}

/** What {@link QueueBackend.insert} did. */
export interface InsertResult {
  readonly invocation: Invocation;
  /** False when an idempotency key named a live invocation: that one is returned. */
  readonly created: boolean;
}

/** The queue's depth, for metrics. */
export interface QueueDepth {
  /** Invocations waiting for an attempt or in one. */
  readonly pending: number;
  /** When the oldest of them was queued, if any. */
  readonly oldestQueuedAt?: Date;
}

/** A durable store of invocation records that delivers them at least once. */
export interface QueueBackend {
  /**
   * Stores a new invocation and makes it deliverable, in one write where the backend can: until
   * a worker starts it, reads see it queued with its request.
   */
  enqueue(inv: Invocation): Promise<void>;
  /** Stores a new record under an idempotency key, or returns the live one the key names. */
  insert(inv: Invocation, idempotency: { key: string; windowMs: number }): Promise<InsertResult>;
  /** The live record, queued ones included. */
  get(tenant: string, id: string): Promise<Invocation | undefined>;
  /** Overwrites a record (the worker and redrive are its only writers). */
  save(inv: Invocation): Promise<void>;
  list(filter: InvocationFilter): Promise<Invocation[]>;
  /** Forgets records, and their deliveries still queued. */
  remove(tenant: string, ids: readonly string[]): Promise<void>;
  /** Makes a stored queued record deliverable (one `insert` stored, or a redriven one). */
  dispatch(inv: Invocation): Promise<void>;
  /** Calls `handler` for each delivery, at most `concurrency` at once. */
  consume(
    handler: (delivery: Delivery) => Promise<void>,
    options: { concurrency: number },
  ): Consumer;
  depth(): Promise<QueueDepth>;
  close(): Promise<void>;
}
