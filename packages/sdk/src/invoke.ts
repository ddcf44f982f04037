import { EventFlowError, isEventFlowError, toErrorEnvelope } from "@eventflow/protocol";
import { isHttpError } from "./http-error.js";
import { buildEvent, type RawRequest } from "./event.js";
import { prepareResponse, type PreparedResponse } from "./result.js";
import type { ResolvedFunction } from "./resolve.js";
import type { Context } from "./types.js";

/** An error turned into a response, with whether it deserves an error-level log line. */
export interface ErrorResponse {
  readonly response: PreparedResponse;
  /** True for unexpected errors (handler bugs): log with the stack. */
  readonly unexpected: boolean;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** Maps anything a handler (or the platform) threw to a response with the JSON envelope. */
export function errorToResponse(error: unknown, requestId: string): ErrorResponse {
  if (isHttpError(error)) {
    const body: Record<string, unknown> = { code: error.code, message: error.message, requestId };
    if (error.details !== undefined) body.details = error.details;
    const headers: PreparedResponse["headers"] = {};
    if (error.headers !== undefined)
      for (const [k, v] of Object.entries(error.headers)) headers[k.toLowerCase()] = v;
    headers["content-type"] = JSON_TYPE;
    return {
      response: { status: error.status, headers, body: JSON.stringify({ error: body }) },
      unexpected: error.status >= 500,
    };
  }
  const platform = isEventFlowError(error)
    ? error
    : new EventFlowError(
        "RUNTIME_HANDLER_FAILED",
        error instanceof Error ? error.message : String(error),
        { cause: error },
      );
  return {
    response: {
      status: platform.status,
      headers: { "content-type": JSON_TYPE },
      body: JSON.stringify(toErrorEnvelope(platform, requestId)),
    },
    unexpected: !isEventFlowError(error),
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Runs one invocation: builds the event (parsing the body, reading a CloudEvent), calls the
 * handler and prepares its response. A handler that answers synchronously gets its response
 * synchronously (no promise on the hot path); otherwise a promise is returned. Throws (or
 * rejects with) what the handler throws; the caller maps it with {@link errorToResponse} so
 * that it can log first.
 */
export function invokeFunction(
  fn: ResolvedFunction,
  raw: RawRequest,
  ctx: Context,
): PreparedResponse | Promise<PreparedResponse> {
  const { event, mode } = buildEvent(raw);
  let result: unknown;
  if (fn.kind === "cloudevent") {
    if (event.cloudEvent === undefined) {
      throw new EventFlowError(
        "CLOUDEVENT_REQUIRED",
        "this function accepts CloudEvents only (binary mode ce-* headers or application/cloudevents+json)",
      );
    }
    result = fn.cloudEvent!(event.cloudEvent, ctx);
  } else result = fn.handle(event, ctx);
  if (isThenable(result)) {
    return Promise.resolve(result).then((value) => prepareResponse(value, mode));
  }
  return prepareResponse(result, mode);
}

/** Whether `value` has a `then` method (a promise or any thenable). */
export { isThenable };
