/** Mounts the route table on a @koa/router: auth, input validation, then the handler. */
import { EventFlowError } from "@eventflow/protocol";
import type Router from "@koa/router";
import type { Middleware } from "koa";
import { z } from "zod";
import { authenticate } from "../auth/middleware.js";
import { authorize, isAdmin } from "../auth/principal.js";
import type { TokenVerifier } from "../auth/verifier.js";
import type { ControllerState } from "../http/context.js";
import { readJsonBody } from "../http/json-body.js";
import { parseInput } from "../http/validate.js";
import { toRouterPath, type AnyRoute, type RouteContext } from "./route.js";

const NO_QUERY = z.strictObject({});

/** Dependencies of {@link registerRoutes}. */
export interface RegisterOptions {
  readonly verifier: TokenVerifier;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
}

/**
 * `/v1/functions/{name}` also matches `foo:invoke`, so action paths are checked before the
 * router: a known action with a method it lacks answers 405 (with `allow`), an unknown
 * action 404, in the same envelope as everything else.
 */
export function createActionGuard(routes: readonly AnyRoute[]): Middleware<ControllerState> {
  const actions = new Map<string, Set<string>>();
  for (const route of routes) {
    const match = /^(.*)\}:([a-z]+)$/.exec(route.path);
    if (match === null) continue;
    const methods = actions.get(match[2]!) ?? new Set<string>();
    methods.add(route.method);
    actions.set(match[2]!, methods);
  }
  return async (ctx, next) => {
    const match = /^\/v1\/functions\/[^/]+:([^/]*)$/.exec(ctx.path);
    if (match !== null) {
      const methods = actions.get(match[1]!);
      if (methods === undefined)
        throw new EventFlowError("ROUTE_NOT_FOUND", `no route matches ${ctx.method} ${ctx.path}`);
      if (!methods.has(ctx.method)) {
        ctx.set("allow", [...methods].join(", "));
        throw new EventFlowError("METHOD_NOT_ALLOWED", `${ctx.method} is not allowed here`, {
          details: { allow: [...methods] },
        });
      }
    }
    await next();
  };
}

async function runRoute(ctx: RouteContext, route: AnyRoute, options: RegisterOptions) {
  route.precondition?.();
  if (route.auth !== "none") {
    const principal = await authenticate(ctx, options.verifier);
    ctx.state.principal = principal;
    if (route.auth === "admin") {
      if (!isAdmin(principal))
        throw new EventFlowError("AUTH_FORBIDDEN", "this action needs the admin role");
    } else {
      authorize(principal, route.auth);
    }
  }
  const params =
    route.params === undefined ? {} : parseInput(route.params, { ...ctx.params }, "params");
  const query =
    route.rawBody === true ? {} : parseInput(route.query ?? NO_QUERY, { ...ctx.query }, "query");
  let body: unknown;
  if (route.body !== undefined) {
    const limit = route.body.maxBytes ?? options.maxBodyBytes;
    const raw = await readJsonBody(ctx, limit, options.bodyTimeoutMs);
    if (raw === undefined && route.body.required !== false) {
      throw new EventFlowError("REQUEST_VALIDATION_FAILED", "a JSON body is required", {
        details: [{ path: "", message: "a JSON body is required" }],
      });
    }
    body = parseInput(route.body.schema, raw ?? {}, "body");
  }
  await route.handle(ctx, { body, query, params });
}

/** Registers every route of `routes` on `router`. */
export function registerRoutes(
  router: Router<ControllerState>,
  routes: readonly AnyRoute[],
  options: RegisterOptions,
): void {
  for (const route of routes) {
    router.register(toRouterPath(route.path), [route.method], (ctx) =>
      runRoute(ctx as unknown as RouteContext, route, options),
    );
  }
}
