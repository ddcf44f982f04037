/**
 * Gives every request an id (echoed as `x-request-id`) and a child logger bound to it, and
 * writes a debug access-log line for answered requests.
 */
import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { ControllerState } from "./context.js";

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id: the caller's `x-request-id` when sane, else a fresh UUID. */
export function requestIdFor(given: string | undefined): string {
  return given !== undefined && SANE_ID.test(given) ? given : randomUUID();
}

/** Creates the request id middleware. */
export function createRequestIdMiddleware(logger: Logger): Middleware<ControllerState> {
  return async (ctx, next) => {
    const requestId = requestIdFor(ctx.req.headers["x-request-id"] as string | undefined);
    ctx.state.requestId = requestId;
    // The child logger is made on first use: most requests never log.
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, "log", {
      get: () => (log ??= logger.child({ requestId })),
      enumerable: true,
      configurable: true,
    });
    ctx.set("x-request-id", requestId);
    const started = performance.now();
    await next();
    // Failures are logged where they are answered (4xx info, 5xx error); this is the access log.
    if (ctx.status < 400 && logger.isLevelEnabled("debug")) {
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      ctx.state.log.debug(
        { method: ctx.method, route: ctx._matchedRoute ?? null, status: ctx.status, ms },
        "request",
      );
    }
  };
}
