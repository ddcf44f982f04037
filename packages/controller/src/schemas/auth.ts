/** Schemas of the token endpoints. */
import { z } from "zod";
import { functionNameSchema } from "@eventflow/protocol/function-spec";
import { ROLES, tenantSchema } from "./common.js";

/** Body of `POST /auth/token` (dev auth): both fields optional. */
export const devTokenBodySchema = z
  .strictObject({ tenant: tenantSchema.optional(), role: z.enum(ROLES).optional() })
  .meta({ id: "DevTokenRequest" });

/** Body of `POST /v1/tokens`: a scoped invoke token for one function. */
export function buildInvokeTokenBodySchema(maxTtlSeconds: number) {
  return z.strictObject({
    function: functionNameSchema,
    ttlSeconds: z.number().int().min(60).max(maxTtlSeconds).default(3600),
    tenant: tenantSchema
      .optional()
      .meta({ description: "Admins only: the tenant of the function." }),
  });
}

/** Answer of `POST /auth/token`. */
export const devTokenResponseSchema = z
  .object({
    token: z.string(),
    tenant: z.string(),
    role: z.enum(ROLES),
    expires_at: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "DevToken" });

/** Answer of `POST /v1/tokens`. */
export const invokeTokenResponseSchema = z
  .object({
    token: z.string(),
    tenant: z.string(),
    function: z.string(),
    scope: z.literal("invoke"),
    expires_at: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "InvokeToken" });

/** Answer of `GET /auth/config`: how a client may sign in to this controller. */
export const authConfigResponseSchema = z
  .object({
    devAuth: z.boolean().meta({ description: "Whether POST /auth/token hands out dev tokens." }),
    oidc: z
      .object({ issuer: z.string(), audience: z.string(), clientId: z.string().optional() })
      .nullable()
      .meta({ description: "The OIDC issuer whose tokens are accepted, if any." }),
  })
  .meta({ id: "AuthConfig" });
