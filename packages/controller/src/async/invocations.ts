/**
 * What the API and the triggers use of the queue: enqueue (with idempotency), read, list,
 * redrive and purge dead letters, and start the worker. Built once over either backend.
 */
import { randomUUID } from "node:crypto";
import {
  buildInvocation,
  FINAL_STATES,
  redriven,
  type Invocation,
  type InvocationRequest,
  type InvocationState,
  type RetryPolicy,
} from "./model.js";
import type { Consumer, InsertResult, QueueBackend, QueueDepth } from "./queue.js";
import { startWorker, type WorkerOptions } from "./worker.js";

/** The states a dead letter is in: every invocation that ended without success. */
export const DEAD_LETTER_STATES: readonly InvocationState[] = ["dead", "failed"];

/** Which dead letters a redrive or purge acts on: the ids named, a function's, or all. */
export interface DeadLetterSelector {
  readonly ids?: readonly string[];
  readonly function?: string;
}

/** What a new asynchronous invocation is made of. */
export interface EnqueueInput {
  readonly tenant: string;
  readonly function: string;
  readonly request: InvocationRequest;
  readonly retry?: RetryPolicy;
  readonly callbackUrl?: string;
  readonly idempotencyKey?: string;
}

/** Settings of {@link createInvocationQueue}. */
export interface InvocationQueueOptions {
  readonly backend: QueueBackend;
  readonly now?: () => Date;
  readonly defaultRetry: RetryPolicy;
  /** A function's own retry policy (its spec's `retry`), used when an enqueue names none. */
  readonly retryOf?: (tenant: string, fn: string) => Promise<RetryPolicy | undefined>;
  /** How long an Idempotency-Key names the invocation it created. */
  readonly idempotencyWindowMs: number;
  /** How long final records (results, dead letters) are kept. */
  readonly ttlMs: number;
  /** At most this many records are acted on by one redrive or purge. */
  readonly batchLimit?: number;
}

/** The asynchronous invocations of every tenant. */
export interface InvocationQueue {
  enqueue(input: EnqueueInput): Promise<InsertResult>;
  get(tenant: string, id: string): Promise<Invocation | undefined>;
  list(filter: {
    tenant: string;
    function?: string;
    states?: readonly InvocationState[];
    limit: number;
  }): Promise<Invocation[]>;
  /** Queues the selected dead letters again, each with a fresh retry budget; their ids. */
  redrive(tenant: string, selector: DeadLetterSelector): Promise<string[]>;
  /** Forgets the selected dead letters; their ids. */
  purge(tenant: string, selector: DeadLetterSelector): Promise<string[]>;
  startWorker(
    options: Omit<WorkerOptions, "backend" | "now" | "ttlMs"> &
      Partial<Pick<WorkerOptions, "ttlMs">>,
  ): Consumer;
  depth(): Promise<QueueDepth>;
  close(): Promise<void>;
}

/** Builds the queue over a backend. */
export function createInvocationQueue(options: InvocationQueueOptions): InvocationQueue {
  const { backend } = options;
  const now = options.now ?? (() => new Date());
  const batchLimit = options.batchLimit ?? 1000;

  async function selected(tenant: string, selector: DeadLetterSelector): Promise<Invocation[]> {
    if (selector.ids !== undefined) {
      const found = await Promise.all(selector.ids.map((id) => backend.get(tenant, id)));
      return found.filter(
        (inv): inv is Invocation =>
          inv !== undefined &&
          DEAD_LETTER_STATES.includes(inv.state) &&
          (selector.function === undefined || inv.function === selector.function),
      );
    }
    return backend.list({
      tenant,
      ...(selector.function === undefined ? {} : { function: selector.function }),
      states: DEAD_LETTER_STATES,
      limit: batchLimit,
    });
  }

  return {
    async enqueue(input) {
      const retry =
        input.retry ??
        (await options.retryOf?.(input.tenant, input.function)) ??
        options.defaultRetry;
      const inv = buildInvocation(
        {
          id: randomUUID(),
          tenant: input.tenant,
          function: input.function,
          request: input.request,
          retry,
          ...(input.callbackUrl === undefined ? {} : { callbackUrl: input.callbackUrl }),
          ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
        },
        now(),
      );
      if (input.idempotencyKey === undefined) {
        try {
          await backend.enqueue(inv);
        } catch (error) {
          // It may have been stored before the failure: the caller is told it was not queued.
          await backend.remove(inv.tenant, [inv.id]).catch(() => undefined);
          throw error;
        }
        return { invocation: inv, created: true };
      }
      const result = await backend.insert(inv, {
        key: input.idempotencyKey,
        windowMs: options.idempotencyWindowMs,
      });
      if (result.created) {
        try {
          await backend.dispatch(result.invocation);
        } catch (error) {
          await backend.remove(inv.tenant, [inv.id]).catch(() => undefined);
          throw error;
        }
      } else if (result.invocation.state === "queued" && result.invocation.attempts.length === 0) {
        // The first request may have failed after its record and key were stored but before
        // the delivery was (the client then retries with its key): dispatch again. JetStream
        // drops the copy by its message id if the first one did get through.
        await backend.dispatch(result.invocation);
      }
      return result;
    },
    get: (tenant, id) => backend.get(tenant, id),
    list: (filter) => backend.list(filter),
    async redrive(tenant, selector) {
      const ids: string[] = [];
      for (const inv of await selected(tenant, selector)) {
        if (!FINAL_STATES.has(inv.state)) continue;
        const again = redriven(inv, now());
        await backend.save(again);
        await backend.dispatch(again);
        ids.push(inv.id);
      }
      return ids;
    },
    async purge(tenant, selector) {
      const ids = (await selected(tenant, selector)).map((inv) => inv.id);
      await backend.remove(tenant, ids);
      return ids;
    },
    startWorker(worker) {
      return startWorker({ ttlMs: options.ttlMs, ...worker, backend, now });
    },
    depth: () => backend.depth(),
    close: () => backend.close(),
  };
}
