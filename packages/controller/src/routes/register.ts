/** Mounts the route table on a @koa/router: auth, input validation, then the handler. */
import { EventFlowError } from "@eventflow/protocol";
import type Router from "@koa/router";
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
}

/**
 * `/v1/functions/{name}` also matches `foo:invoke`; such a name with a known action answers
 * 405 (with `allow`) for a method the action lacks, and 404 for an unknown action.
 */
function checkActionSuffix(ctx: RouteContext, routes: readonly AnyRoute[]): void {
  const name = (ctx.params as Record<string, string> | undefined)?.["name"];
  if (name === undefined || !name.includes(":")) return;
  const action = name.slice(name.indexOf(":") + 1);
  const methods = routes.filter((r) => r.path.endsWith(`}:${action}`)).map((r) => r.method);
  if (methods.length === 0)
    throw new EventFlowError("ROUTE_NOT_FOUND", `no route matches ${ctx.method} ${ctx.path}`);
  ctx.set("allow", methods.join(", "));
  throw new EventFlowError("METHOD_NOT_ALLOWED", `${ctx.method} is not allowed here`, {
    details: { allow: methods },
  });
}

async function runRoute(
  ctx: RouteContext,
  route: AnyRoute,
  routes: readonly AnyRoute[],
  options: RegisterOptions,
) {
  checkActionSuffix(ctx, routes);
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
    const raw = await readJsonBody(ctx, options.maxBodyBytes);
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
      runRoute(ctx as unknown as RouteContext, route, routes, options),
    );
  }
}
