/**
 * The worker's deliverer: one attempt of an invocation sent through the invoke router (the same
 * dispatch as a client's invoke) with an in-memory exchange, and the answer turned into an
 * attempt outcome. A function's own answer is `answered` (the model decides on its status); the
 * platform's envelope (`x-eventflow-error`: timeout, unreachable, not ready) is an `error`.
 */
import { randomUUID } from "node:crypto";
import { isEventFlowError, PLATFORM_ERROR_HEADER } from "@eventflow/protocol";
import type { InvokeHandler, InvokeTarget } from "../invoke/index.js";
import { createLocalExchange, type CapturedAnswer } from "./local-exchange.js";
import { parseRetryAfter, type AttemptOutcome, type Invocation } from "./model.js";
import type { Deliverer } from "./worker.js";

/** Dependencies of {@link createDeliverer}. */
export interface DelivererDeps {
  readonly invoke: InvokeHandler;
  /** The function's invoke target as it is now (throws FUNCTION_NOT_FOUND once deleted). */
  readonly target: (tenant: string, name: string) => Promise<InvokeTarget>;
  /** Result bodies are kept up to this many bytes. */
  readonly resultMaxBytes: number;
  readonly now?: () => Date;
}

/** The header that tells a function which invocation (and attempt) it serves. */
export const INVOCATION_ID_HEADER = "x-eventflow-invocation-id";
/** The attempt number, 1 for the first. */
export const ATTEMPT_HEADER = "x-eventflow-attempt";

function platformError(answer: CapturedAnswer, code: string): AttemptOutcome {
  let message = `the platform answered ${answer.status}`;
  try {
    const parsed = JSON.parse(answer.body.toString("utf8")) as { error?: { message?: string } };
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
  } catch {
    // A truncated or odd body keeps the generic message.
  }
  return {
    kind: "error",
    error: { code, message },
    retryable: answer.status >= 500 || answer.status === 429,
  };
}

/** Turns a captured answer into the attempt's outcome. */
export function toOutcome(answer: CapturedAnswer, now: Date): AttemptOutcome {
  const retryAfterMs = parseRetryAfter(answer.headers["retry-after"], now);
  const code = answer.headers[PLATFORM_ERROR_HEADER];
  if (code !== undefined) {
    const outcome = platformError(answer, code);
    return retryAfterMs === undefined ? outcome : { ...outcome, retryAfterMs };
  }
  if (answer.broken) {
    return {
      kind: "error",
      error: { code: "INVOKE_UPSTREAM_UNREACHABLE", message: "the answer broke off mid-stream" },
      retryable: true,
    };
  }
  const contentType = answer.headers["content-type"];
  return {
    kind: "answered",
    result: {
      status: answer.status,
      ...(contentType === undefined ? {} : { contentType }),
      body: answer.body.toString("base64"),
      truncated: answer.truncated,
    },
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** Creates the deliverer. */
export function createDeliverer(deps: DelivererDeps): Deliverer {
  const now = deps.now ?? (() => new Date());
  return async (inv: Invocation) => {
    let fn: InvokeTarget;
    try {
      fn = await deps.target(inv.tenant, inv.function);
    } catch (error) {
      if (isEventFlowError(error))
        return {
          kind: "error",
          error: { code: error.code, message: error.message },
          retryable: error.retryable,
        };
      throw error;
    }
    const { req, res, answer } = createLocalExchange({
      method: "POST",
      headers: {
        ...inv.request.headers,
        ...(inv.request.contentType === undefined
          ? {}
          : { "content-type": inv.request.contentType }),
        [INVOCATION_ID_HEADER]: inv.id,
        [ATTEMPT_HEADER]: String(inv.attempts.length),
      },
      body: Buffer.from(inv.request.body, "base64"),
      resultMaxBytes: deps.resultMaxBytes,
    });
    await deps.invoke(
      { req, res, requestId: randomUUID(), querystring: inv.request.querystring, protocol: "http" },
      fn,
    );
    // The router has answered by now; an answer it never finished reads as broken.
    res.destroy();
    return toOutcome(await answer, now());
  };
}
