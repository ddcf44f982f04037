import type { ServerResponse } from "node:http";
import type { Context, Logger, TraceContext } from "@eventflow/sdk";
import type { RuntimeLogger } from "./logger.js";
import { traceFromHeader } from "./tracing.js";

/**
 * The `ctx` a handler receives. The AbortSignal and the bound logger are created on first
 * use, so a handler that never looks at them costs nothing extra per request.
 */
export class InvocationContext implements Context {
  readonly requestId: string;
  readonly functionName: string;
  #controller: AbortController | undefined;
  #log: Logger | undefined;
  #abortReason: unknown;
  readonly #logger: RuntimeLogger;
  readonly #started: number;
  readonly #timeoutMs: number;
  readonly #res: ServerResponse | undefined;
  #trace: TraceContext | undefined;
  #traceparent: string | string[] | undefined;

  constructor(options: {
    requestId: string;
    functionName: string;
    /** `performance.now()` when the request arrived. */
    started: number;
    timeoutMs: number;
    logger: RuntimeLogger;
    res?: ServerResponse;
    /** The handler span's ids when tracing is on. */
    trace?: TraceContext | undefined;
    /** The request's `traceparent`, read on first use of `trace` when tracing is off. */
    traceparent?: string | string[] | undefined;
  }) {
    this.requestId = options.requestId;
    this.functionName = options.functionName;
    this.#started = options.started;
    this.#timeoutMs = options.timeoutMs;
    this.#logger = options.logger;
    this.#res = options.res;
    this.#trace = options.trace;
    this.#traceparent = options.traceparent;
  }

  get trace(): TraceContext | undefined {
    if (this.#trace === undefined && this.#traceparent !== undefined) {
      this.#trace = traceFromHeader(this.#traceparent);
      this.#traceparent = undefined;
    }
    return this.#trace;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
      else if (this.#res !== undefined) {
        const res = this.#res;
        if (res.destroyed && !res.writableFinished) controller.abort(clientGone());
        else {
          res.once("close", () => {
            if (!res.writableFinished) controller.abort(clientGone());
          });
        }
      }
    }
    return this.#controller.signal;
  }

  /** Epoch milliseconds of the timeout, derived from the arrival time without another clock read. */
  get deadline(): number {
    return Math.round(performance.timeOrigin + this.#started + this.#timeoutMs);
  }

  get log(): Logger {
    return (this.#log ??= this.#logger.forRequest(this.requestId));
  }

  /** Fires the signal (timeout or shutdown); a signal not yet created starts aborted. */
  abort(reason: unknown): void {
    if (this.#controller !== undefined) this.#controller.abort(reason);
    else this.#abortReason ??= reason;
  }
}

function clientGone(): Error {
  const error = new Error("the client closed the connection before the response was complete");
  error.name = "AbortError";
  return error;
}
