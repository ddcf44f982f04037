/**
 * Turns every failure into the JSON envelope: EventFlowErrors keep their code, Koa and router
 * HTTP errors map to request codes, anything else becomes INTERNAL. 5xx messages are generic
 * on the wire and logged in full; 4xx are logged at info.
 */
import {
  EventFlowError,
  isEventFlowError,
  PLATFORM_ERROR_HEADER,
  toErrorEnvelope,
} from "@eventflow/protocol";
import type { Context, Middleware } from "koa";
import { DEFAULT_RETRY_AFTER, wantsRetryAfter } from "../envelope.js";
import { isClientGone } from "./client-gone.js";
import type { ControllerState } from "./context.js";

interface HttpErrorLike {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  headers?: Record<string, string>;
  message?: string;
}

/** Converts a foreign error (router, Koa, unknown) into an EventFlowError. */
export function toEventFlowError(error: unknown): EventFlowError {
  if (isEventFlowError(error)) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as HttpErrorLike;
  const status = e.status ?? e.statusCode;
  if (status === 405 || status === 501) {
    return new EventFlowError("METHOD_NOT_ALLOWED", "this route does not accept this method", {
      cause: error,
    });
  }
  if (status === 404)
    return new EventFlowError("ROUTE_NOT_FOUND", "no route matches this path", { cause: error });
  if (status === 413)
    return new EventFlowError("REQUEST_BODY_TOO_LARGE", "the request body is too large", {
      cause: error,
    });
  if (status === 415) {
    return new EventFlowError("REQUEST_UNSUPPORTED_MEDIA_TYPE", "unsupported content type", {
      cause: error,
    });
  }
  if (status === 400)
    return new EventFlowError("REQUEST_MALFORMED_JSON", "malformed request", { cause: error });
  return new EventFlowError("INTERNAL", error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

function routeNotFound(ctx: Context): EventFlowError {
  return new EventFlowError("ROUTE_NOT_FOUND", `no route matches ${ctx.method} ${ctx.path}`);
}

/** Headers an error answer keeps from what the request's handling had set. */
const KEPT_HEADERS = new Set([
  "x-request-id",
  "allow",
  "retry-after",
  "www-authenticate",
  "connection",
]);

function methodNotAllowed(ctx: Context): EventFlowError {
  return new EventFlowError("METHOD_NOT_ALLOWED", `${ctx.method} is not allowed on ${ctx.path}`, {
    details: {
      allow: String(ctx.response.get("allow") ?? "")
        .split(/,\s*/)
        .filter(Boolean),
    },
  });
}

/** Writes `error` as the envelope on `ctx` and logs it. */
export function sendError(ctx: Context & { state: ControllerState }, raw: unknown): void {
  const log = ctx.state.log;
  if (isClientGone(raw)) {
    log.debug({ code: (raw as { code?: string }).code, path: ctx.path }, "client went away");
    return;
  }
  const error = toEventFlowError(raw);
  // Error level (with the stack) is for what needs the operator: an expected, retryable state
  // such as "not ready yet" (each /readyz probe during startup) is not one.
  if (error.status >= 500 && !error.retryable)
    log.error({ err: raw, code: error.code, path: ctx.path }, "request failed");
  else log.info({ code: error.code, status: error.status, path: ctx.path }, "request rejected");
  if (ctx.headerSent || !ctx.writable) return;
  const allow =
    (raw as HttpErrorLike | undefined)?.headers?.["Allow"] ??
    (raw as HttpErrorLike)?.headers?.["allow"];
  for (const name of Object.keys(ctx.response.headers)) {
    if (!KEPT_HEADERS.has(name)) ctx.remove(name);
  }
  if (allow !== undefined) ctx.set("allow", allow);
  if (wantsRetryAfter(error) && !ctx.response.get("retry-after")) {
    ctx.set("retry-after", DEFAULT_RETRY_AFTER);
  }
  if (error.status === 401 && !ctx.response.get("www-authenticate")) {
    ctx.set("www-authenticate", `Bearer error="invalid_token"`);
  }
  ctx.status = error.status;
  ctx.set(PLATFORM_ERROR_HEADER, error.code);
  ctx.type = "application/json";
  ctx.body = toErrorEnvelope(error, ctx.state.requestId);
}

/** The outermost error middleware; also answers ROUTE_NOT_FOUND when nothing handled the request. */
export function createErrorMiddleware(): Middleware<ControllerState> {
  return async (ctx, next) => {
    try {
      await next();
      // A handler that wrote the answer itself (the invoke router streams a function's own
      // 404 or 405) is done; only an unanswered request gets the envelope.
      const unanswered = ctx.respond !== false && !ctx.headerSent;
      if (unanswered && (ctx.body === undefined || ctx.body === null)) {
        if (ctx.status === 404) sendError(ctx, routeNotFound(ctx));
        // The router answers wrong methods itself (405, or 501 for unknown ones) with `allow`.
        else if (ctx.status === 405 || ctx.status === 501) sendError(ctx, methodNotAllowed(ctx));
      }
    } catch (error) {
      sendError(ctx, error);
    }
  };
}
