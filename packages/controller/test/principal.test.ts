import { describe, expect, it } from "vitest";
import {
  authorize,
  canSeeFunction,
  resolveTenant,
  toRole,
  type Principal,
} from "../src/auth/principal.js";

const user = (role: "viewer" | "developer" | "admin" | undefined, tenant = "acme"): Principal => ({
  kind: "user",
  subject: "s",
  issuer: "i",
  tenant,
  role,
});
const invoke: Principal = { kind: "invoke", subject: "s", tenant: "acme", function: "f" };

describe("roles and tenants", () => {
  it.each([
    ["developer", "developer"],
    [["viewer", "admin"], "admin"],
    ["viewer developer", "developer"],
    ["viewer,developer", "developer"],
    ["root", undefined],
    [42, undefined],
    [undefined, undefined],
  ] as const)("toRole(%j) = %s", (claim, role) => {
    expect(toRole(claim)).toBe(role);
  });

  it.each([
    [user("viewer"), "read", true],
    [user("viewer"), "write", false],
    [user("viewer"), "invoke", false],
    [user("developer"), "write", true],
    [user("developer"), "invoke", true],
    [user("admin"), "write", true],
    [user(undefined), "read", false],
    [invoke, "invoke", true],
    [invoke, "read", false],
    [invoke, "write", false],
  ] as const)("authorize %j for %s: %s", (principal, action, allowed) => {
    if (allowed) expect(() => authorize(principal, action)).not.toThrow();
    else
      expect(() => authorize(principal, action)).toThrow(
        expect.objectContaining({ code: "AUTH_FORBIDDEN" }),
      );
  });

  it.each([
    [user("developer"), undefined, "acme"],
    [user("developer"), "acme", "acme"],
    [user("developer"), "globex", undefined],
    [user("admin", "ops"), "globex", "globex"],
    [user("admin", "ops"), undefined, "ops"],
    [invoke, "globex", undefined],
  ] as const)("resolveTenant(%j, %s) = %s", (principal, requested, tenant) => {
    expect(resolveTenant(principal, requested)).toBe(tenant);
  });

  it("scoped tokens see only their function", () => {
    expect(canSeeFunction(invoke, "acme", "f")).toBe(true);
    expect(canSeeFunction(invoke, "acme", "g")).toBe(false);
    expect(canSeeFunction(user("developer"), "globex", "f")).toBe(false);
    expect(canSeeFunction(user("admin", "ops"), "globex", "f")).toBe(true);
  });
});
