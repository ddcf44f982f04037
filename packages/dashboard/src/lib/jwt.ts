/**
 * Reads (never verifies) a JWT's claims: the dashboard only needs the expiry to sign out on
 * time and the role to hide controls the API would refuse anyway. The controller verifies.
 */

/** Claims the dashboard looks at. */
export interface TokenClaims {
  readonly exp?: number;
  readonly sub?: string;
  readonly tenant?: string;
  readonly role?: string;
}

/** The payload of a compact JWT, or undefined when `token` is not one. */
export function readTokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof payload !== "object" || payload === null) return undefined;
    const p = payload as Record<string, unknown>;
    return {
      ...(typeof p.exp === "number" ? { exp: p.exp } : {}),
      ...(typeof p.sub === "string" ? { sub: p.sub } : {}),
      ...(typeof p.tenant === "string" ? { tenant: p.tenant } : {}),
      ...(toRole(p.role) !== undefined ? { role: toRole(p.role) } : {}),
    };
  } catch {
    return undefined;
  }
}

const RANK = ["viewer", "developer", "admin"];

/** The strongest known role of a claim that may be a string, a list or a spaced string. */
function toRole(claim: unknown): string | undefined {
  const values = Array.isArray(claim)
    ? claim.filter((v): v is string => typeof v === "string")
    : typeof claim === "string"
      ? claim.split(/[\s,]+/)
      : [];
  let best = -1;
  for (const v of values) best = Math.max(best, RANK.indexOf(v));
  return best < 0 ? undefined : RANK[best];
}
