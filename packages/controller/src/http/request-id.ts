/** Gives every request an id (echoed as `x-request-id`) and a child logger bound to it. */
import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { ControllerState } from "./context.js";

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Creates the request id middleware. */
export function createRequestIdMiddleware(logger: Logger): Middleware<ControllerState> {
  return async (ctx, next) => {
    const given = ctx.get("x-request-id");
    const requestId = SANE_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    // The child logger is made on first use: most requests never log.
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, "log", {
      get: () => (log ??= logger.child({ requestId })),
      enumerable: true,
      configurable: true,
    });
    ctx.set("x-request-id", requestId);
    await next();
  };
}
