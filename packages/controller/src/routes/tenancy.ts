/** Tenant resolution for routes: other tenants' functions are invisible (404, never 403). */
import { EventFlowError } from "@eventflow/protocol";
import { canSeeFunction, resolveTenant, type Principal } from "../auth/principal.js";
import type { FunctionStatus } from "../drivers/driver.js";
import type { RouteContext } from "./route.js";

/** The principal of an authenticated route (set by the route runner). */
export function principalOf(ctx: RouteContext): Principal {
  const principal = ctx.state.principal;
  if (principal === undefined)
    throw new EventFlowError("INTERNAL", "route ran without a principal");
  return principal;
}

/** A function the caller may not see, answered exactly like one that does not exist. */
export function functionNotFound(name: string): EventFlowError {
  return new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`, {
    details: { name },
  });
}

/** The tenant of a named-function route, or FUNCTION_NOT_FOUND when the caller cannot see it. */
export function functionTenant(
  ctx: RouteContext,
  name: string,
  requested: string | undefined,
): string {
  return visibleFunctionTenant(principalOf(ctx), name, requested);
}

/** {@link functionTenant} for a principal already at hand (the invoke fast path). */
export function visibleFunctionTenant(
  principal: Principal,
  name: string,
  requested: string | undefined,
): string {
  const tenant = resolveTenant(principal, requested);
  if (tenant === undefined || !canSeeFunction(principal, tenant, name))
    throw functionNotFound(name);
  return tenant;
}

/** The tenant of a create or list request; naming a foreign tenant is forbidden for non-admins. */
export function ownTenant(ctx: RouteContext, requested: string | undefined): string {
  const tenant = resolveTenant(principalOf(ctx), requested);
  if (tenant === undefined) {
    throw new EventFlowError("AUTH_FORBIDDEN", "only admins may act in another tenant", {
      details: { tenant: requested },
    });
  }
  return tenant;
}

/** What the API answers for a function: the seed's fields, tenant, spec and last error. */
export function toFunctionView(status: FunctionStatus) {
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
    spec: {
      image: spec.image,
      replicas: spec.replicas,
      ...(spec.command === undefined ? {} : { command: spec.command }),
      ...(spec.args === undefined ? {} : { args: spec.args }),
      ...(spec.env === undefined ? {} : { env: spec.env }),
      ...(spec.resources === undefined ? {} : { resources: spec.resources }),
      ...(spec.scaling === undefined ? {} : { scaling: spec.scaling }),
      ...(spec.timeoutSeconds === undefined ? {} : { timeoutSeconds: spec.timeoutSeconds }),
    },
  };
}
