/** The principal and tenant of a route's request (rules in auth/tenancy.ts), and the function view. */
import { EventFlowError } from "@eventflow/protocol";
import type { Principal } from "../auth/principal.js";
import { ownTenantOf, visibleFunctionTenant } from "../auth/tenancy.js";
import type { FunctionStatus } from "../drivers/driver.js";
import type { RouteContext } from "./route.js";
import type { RouteDeps } from "./deps.js";

/** The principal of an authenticated route (set by the route runner). */
export function principalOf(ctx: RouteContext): Principal {
  const principal = ctx.state.principal;
  if (principal === undefined)
    throw new EventFlowError("INTERNAL", "route ran without a principal");
  return principal;
}

/** The tenant of a named-function route, or FUNCTION_NOT_FOUND when the caller cannot see it. */
export function functionTenant(
  ctx: RouteContext,
  name: string,
  requested: string | undefined,
): string {
  return visibleFunctionTenant(principalOf(ctx), name, requested);
}

/** The tenant of a create or list request; naming a foreign tenant is forbidden for non-admins. */
export function ownTenant(ctx: RouteContext, requested: string | undefined): string {
  return ownTenantOf(principalOf(ctx), requested);
}

/** Where the caller reaches the controller: `EVENTFLOW_PUBLIC_URL`, else the request's origin. */
export function publicBase(ctx: RouteContext, publicUrl: string | undefined): string {
  if (publicUrl !== undefined) return publicUrl;
  const encrypted = (ctx.req.socket as { encrypted?: boolean }).encrypted === true;
  return `${encrypted ? "https" : "http"}://${ctx.req.headers.host ?? "localhost"}`;
}

/**
 * What the API answers for a function: the seed's fields, tenant, its URL (below `base`), spec
 * and last error.
 */
export function toFunctionView(status: FunctionStatus, base: string) {
  const { spec } = status;
  return {
    name: status.name,
    tenant: status.tenant,
    image: status.image,
    replicas: status.replicas,
    available_replicas: status.available_replicas,
    ready_replicas: status.ready_replicas,
    updated_replicas: status.updated_replicas,
    status: status.status,
    created_at: status.created_at,
    updated_at: status.updated_at,
    ...(status.last_error === undefined ? {} : { last_error: status.last_error }),
    url: `${base}/fn/${status.tenant}/${status.name}/`,
    ...(status.autoscaler === undefined ? {} : { autoscaler: status.autoscaler }),
    ...(status.traffic === undefined ? {} : { traffic: status.traffic }),
    ...(status.rollout === undefined ? {} : { rollout: status.rollout }),
    spec: {
      image: spec.image,
      replicas: spec.replicas,
      ...(spec.command === undefined ? {} : { command: spec.command }),
      ...(spec.args === undefined ? {} : { args: spec.args }),
      ...(spec.env === undefined ? {} : { env: spec.env }),
      ...(spec.resources === undefined ? {} : { resources: spec.resources }),
      ...(spec.scaling === undefined ? {} : { scaling: spec.scaling }),
      ...(spec.containerConcurrency === undefined
        ? {}
        : { containerConcurrency: spec.containerConcurrency }),
      ...(spec.timeoutSeconds === undefined ? {} : { timeoutSeconds: spec.timeoutSeconds }),
      ...(spec.auth === undefined ? {} : { auth: spec.auth }),
      ...(spec.cors === undefined ? {} : { cors: spec.cors }),
      ...(spec.maxBodyBytes === undefined ? {} : { maxBodyBytes: spec.maxBodyBytes }),
      ...(spec.secrets === undefined ? {} : { secrets: spec.secrets }),
      ...(spec.triggers === undefined ? {} : { triggers: spec.triggers }),
      ...(spec.retry === undefined ? {} : { retry: spec.retry }),
      ...(spec.revisionHistoryLimit === undefined
        ? {}
        : { revisionHistoryLimit: spec.revisionHistoryLimit }),
      ...(spec.traffic === undefined ? {} : { traffic: spec.traffic }),
      ...(spec.rollout === undefined ? {} : { rollout: spec.rollout }),
    },
  };
}

/** {@link toFunctionView} with the function's traffic and rollout (every route answering one). */
export async function functionView(
  deps: Pick<RouteDeps, "traffic" | "config">,
  ctx: RouteContext,
  status: FunctionStatus,
) {
  const described = { ...status, ...(await deps.traffic.describe(status)) };
  return toFunctionView(described, publicBase(ctx, deps.config.publicUrl));
}
