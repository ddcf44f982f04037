/**
 * Asynchronous invocations: the queue chosen by the config (JetStream when a NATS URL is set,
 * else node:sqlite in the data dir) and its worker, which delivers through the invoke router.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AsyncConfig } from "../config.js";
import type { InvokeHandler, InvokeTarget } from "../invoke/index.js";
import type { AsyncRecorder } from "../metrics.js";
import { sendCallback } from "./callback.js";
import { createDeliverer } from "./deliver.js";
import { createInvocationQueue, type InvocationQueue } from "./invocations.js";
import { createJetStreamQueue } from "./jetstream-queue.js";
import { FINAL_STATES, type InvocationState, type RetryPolicy } from "./model.js";
import type { Consumer } from "./queue.js";
import { createSqliteQueue } from "./sqlite-queue.js";

export { checkCallbackUrl, buildResultEvent, RESULT_EVENT_TYPE } from "./callback.js";
export { DEAD_LETTER_STATES, type InvocationQueue } from "./invocations.js";
export { INVOCATION_ID_HEADER, ATTEMPT_HEADER } from "./deliver.js";
export type { Invocation, InvocationState } from "./model.js";
export { checkTriggers, connectTriggerNats, startTriggerEngine } from "./trigger-engine.js";

/** Opens the configured queue; `retryOf` reads a function's own retry policy. */
export async function openInvocationQueue(
  config: AsyncConfig,
  retryOf?: (tenant: string, fn: string) => Promise<RetryPolicy | undefined>,
): Promise<InvocationQueue> {
  const ttlMs = config.ttlSeconds * 1000;
  let backend;
  if (config.nats !== undefined) {
    const n = config.nats;
    backend = await createJetStreamQueue({
      servers: n.servers,
      stream: n.stream,
      replicas: n.replicas,
      ttlMs,
      ...(n.user === undefined ? {} : { user: n.user, pass: n.password ?? "" }),
      ...(n.token === undefined ? {} : { token: n.token }),
    });
  } else {
    mkdirSync(dirname(config.sqlitePath), { recursive: true, mode: 0o700 });
    backend = createSqliteQueue({ path: config.sqlitePath });
  }
  return createInvocationQueue({
    backend,
    defaultRetry: config.retry,
    ...(retryOf === undefined ? {} : { retryOf }),
    idempotencyWindowMs: config.idempotencyWindowSeconds * 1000,
    ttlMs,
  });
}

/** How an attempt ended, by the state it left its invocation in. */
function attemptOutcome(state: InvocationState): "succeeded" | "failed" | "retried" | "dead" {
  if (state === "succeeded" || state === "failed" || state === "dead") return state;
  return "retried";
}

/** A pino-like logger. */
interface WorkerLogger {
  warn(obj: object, msg?: string): void;
}

/** Dependencies of {@link startAsyncWorker}. */
export interface AsyncWorkerDeps {
  readonly queue: InvocationQueue;
  readonly config: AsyncConfig;
  readonly invoke: InvokeHandler;
  readonly target: (tenant: string, name: string) => Promise<InvokeTarget>;
  readonly recorder: AsyncRecorder;
  readonly logger: WorkerLogger;
}

/** Starts this controller's worker: deliveries, metrics and callbacks. */
export function startAsyncWorker(deps: AsyncWorkerDeps): Consumer {
  const { queue, config, recorder, logger } = deps;
  recorder.watchDepth(() => queue.depth());
  return queue.startWorker({
    deliver: createDeliverer({
      invoke: deps.invoke,
      target: deps.target,
      resultMaxBytes: config.resultMaxBytes,
    }),
    concurrency: config.concurrency,
    maxInFlightPerFunction: config.maxInFlightPerFunction,
    keepAliveMs: 5_000,
    onAttempt(inv) {
      recorder.attempt(attemptOutcome(inv.state));
      if (!FINAL_STATES.has(inv.state) || inv.callbackUrl === undefined) return;
      void sendCallback(inv).then((ok) => {
        if (!ok)
          logger.warn(
            { tenant: inv.tenant, function: inv.function, invocation: inv.id },
            "invocation callback failed",
          );
      });
    },
    onError(error, delivery) {
      logger.warn(
        { err: String(error), tenant: delivery.tenant, invocation: delivery.id },
        "async delivery failed; it will be delivered again",
      );
    },
  });
}
