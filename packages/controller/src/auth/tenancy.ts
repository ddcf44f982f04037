/**
 * Tenancy rules: the tenant a request acts in and the functions its caller may see. Other
 * tenants' functions are invisible (404, never 403), so tenants cannot learn about each other.
 */
import { EventFlowError } from "@eventflow/protocol";
import { canSeeFunction, resolveTenant, type Principal } from "./principal.js";

/** A function the caller may not see, answered exactly like one that does not exist. */
export function functionNotFound(name: string): EventFlowError {
  return new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`, {
    details: { name },
  });
}

/** The tenant of a request for function `name`, or FUNCTION_NOT_FOUND when the caller cannot see it. */
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
export function ownTenantOf(principal: Principal, requested: string | undefined): string {
  const tenant = resolveTenant(principal, requested);
  if (tenant === undefined) {
    throw new EventFlowError("AUTH_FORBIDDEN", "only admins may act in another tenant", {
      details: { tenant: requested },
    });
  }
  return tenant;
}
