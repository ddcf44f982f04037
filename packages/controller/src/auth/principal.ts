/** Who a verified token speaks for, and what that caller may do. */
import { EventFlowError } from "@eventflow/protocol";
import { ROLES, type Role } from "../config.js";

/** A person or service with a role in one tenant (admins act in every tenant). */
export interface UserPrincipal {
  readonly kind: "user";
  readonly subject: string;
  readonly issuer: string;
  /** The token's tenant; admins without a tenant claim get the default tenant. */
  readonly tenant: string;
  /** Undefined when the token names no known role: such a caller may do nothing. */
  readonly role: Role | undefined;
}

/** A scoped invoke token: may invoke one function of one tenant and nothing else. */
export interface InvokePrincipal {
  readonly kind: "invoke";
  readonly subject: string;
  readonly tenant: string;
  readonly function: string;
  /** `created_at` of the function the token was minted for (absent in older tokens). */
  readonly functionCreatedAt?: string;
}

/** A verified caller. */
export type Principal = UserPrincipal | InvokePrincipal;

/** What a route needs: read (viewer), write (developer), invoke (developer or invoke token). */
export type Action = "read" | "write" | "invoke";

const RANK: Readonly<Record<Role, number>> = { viewer: 0, developer: 1, admin: 2 };
const NEEDED: Readonly<Record<Action, Role>> = {
  read: "viewer",
  write: "developer",
  invoke: "developer",
};

/** The strongest known role among a claim's values (string, list or space-separated). */
export function toRole(claim: unknown): Role | undefined {
  const values = Array.isArray(claim)
    ? claim
    : typeof claim === "string"
      ? claim.split(/[\s,]+/)
      : [];
  let best: Role | undefined;
  for (const value of values) {
    if (typeof value !== "string" || !(ROLES as readonly string[]).includes(value)) continue;
    const role = value as Role;
    if (best === undefined || RANK[role] > RANK[best]) best = role;
  }
  return best;
}

/** Whether the caller acts for every tenant. */
export function isAdmin(principal: Principal): boolean {
  return principal.kind === "user" && principal.role === "admin";
}

/**
 * Throws AUTH_FORBIDDEN unless the principal's role allows `action`. Invoke tokens pass only
 * for `invoke`; which function they may invoke is checked by {@link resolveTenant} callers.
 */
export function authorize(principal: Principal, action: Action): void {
  if (principal.kind === "invoke") {
    if (action === "invoke") return;
    throw new EventFlowError("AUTH_FORBIDDEN", "an invoke token may only invoke its function");
  }
  const role = principal.role;
  if (role === undefined || RANK[role] < RANK[NEEDED[action]]) {
    throw new EventFlowError("AUTH_FORBIDDEN", `this action needs the ${NEEDED[action]} role`, {
      details: { needed: NEEDED[action], role: role ?? null },
    });
  }
}

/**
 * The tenant a request acts in, or undefined when the caller cannot see `requested` at all
 * (routes then answer 404, never 403, so tenants cannot learn about each other).
 */
export function resolveTenant(
  principal: Principal,
  requested: string | undefined,
): string | undefined {
  if (requested === undefined || requested === principal.tenant) return principal.tenant;
  return isAdmin(principal) ? requested : undefined;
}

/** Whether the caller may see function `name` of `tenant` (scoped tokens see only theirs). */
export function canSeeFunction(principal: Principal, tenant: string, name: string): boolean {
  if (principal.kind === "invoke")
    return principal.tenant === tenant && principal.function === name;
  return isAdmin(principal) || principal.tenant === tenant;
}

/**
 * Refuses a scoped invoke token minted for an earlier function of the same name (deleted and
 * created again since): the token is bound to the function's `created_at`.
 */
export function checkTokenBinding(principal: Principal, function_: { created_at: string }): void {
  if (
    principal.kind === "invoke" &&
    principal.functionCreatedAt !== undefined &&
    principal.functionCreatedAt !== function_.created_at
  ) {
    throw new EventFlowError(
      "AUTH_FORBIDDEN",
      "this invoke token was issued for an earlier function of this name; issue a new one",
    );
  }
}
