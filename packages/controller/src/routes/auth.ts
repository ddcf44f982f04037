/** Token endpoints: dev tokens (`POST /auth/token`) and scoped invoke tokens (`POST /v1/tokens`). */
import { EventFlowError } from "@eventflow/protocol";
import { isAdmin } from "../auth/principal.js";
import {
  authConfigResponseSchema,
  buildInvokeTokenBodySchema,
  devTokenBodySchema,
  devTokenResponseSchema,
  invokeTokenResponseSchema,
} from "../schemas/auth.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute } from "./route.js";
import { functionTenant, principalOf } from "./tenancy.js";

/** Routes that issue tokens. */
export function authRoutes(deps: RouteDeps): AnyRoute[] {
  const { auth } = deps.config;
  return [
    defineRoute({
      method: "GET",
      path: "/auth/config",
      operationId: "getAuthConfig",
      summary: "How to sign in: whether dev tokens are available and which OIDC issuer is trusted",
      tags: ["auth"],
      auth: "none",
      responses: { 200: { description: "The sign-in options.", schema: authConfigResponseSchema } },
      errors: [],
      async handle(ctx) {
        const oidc = auth.oidc;
        ctx.body = {
          devAuth: auth.devAuth,
          oidc:
            oidc === undefined
              ? null
              : {
                  issuer: oidc.issuer,
                  audience: oidc.audience,
                  ...(oidc.clientId === undefined ? {} : { clientId: oidc.clientId }),
                },
        };
      },
    }),
    defineRoute({
      method: "POST",
      path: "/auth/token",
      operationId: "createDevToken",
      summary:
        "Issue a dev token (only when EVENTFLOW_DEV_AUTH=true); body optional, default developer in the default tenant",
      tags: ["auth"],
      auth: "none",
      body: { name: "DevTokenRequest", schema: devTokenBodySchema, required: false },
      responses: { 200: { description: "A signed HS256 token.", schema: devTokenResponseSchema } },
      errors: ["AUTH_DEV_DISABLED", "REQUEST_VALIDATION_FAILED"],
      precondition() {
        if (!auth.devAuth)
          throw new EventFlowError(
            "AUTH_DEV_DISABLED",
            "dev tokens are disabled on this controller",
          );
      },
      async handle(ctx, { body }) {
        const tenant = body.tenant ?? auth.defaultTenant;
        const role = body.role ?? "developer";
        const issued = await deps.issuer.issueUserToken({
          subject: `dev:${tenant}:${role}`,
          tenant,
          role,
          ttlSeconds: auth.devTokenTtlSeconds,
        });
        ctx.state.log.info({ tenant, role }, "dev token issued");
        ctx.body = {
          token: issued.token,
          tenant,
          role,
          expires_at: issued.expiresAt.toISOString(),
        };
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/tokens",
      operationId: "createInvokeToken",
      summary: "Issue a scoped token that may only invoke one function, until it expires",
      tags: ["auth"],
      auth: "write",
      body: {
        name: "InvokeTokenRequest",
        schema: buildInvokeTokenBodySchema(auth.invokeTokenMaxTtlSeconds),
      },
      responses: { 201: { description: "The token.", schema: invokeTokenResponseSchema } },
      errors: ["FUNCTION_NOT_FOUND", "REQUEST_VALIDATION_FAILED"],
      async handle(ctx, { body }) {
        const principal = principalOf(ctx);
        const tenant = functionTenant(ctx, body.function, body.tenant);
        const fn = await deps.driver.get(tenant, body.function);
        const issued = await deps.issuer.issueInvokeToken({
          functionCreatedAt: fn.created_at,
          subject: isAdmin(principal) ? `admin:${principal.subject}` : principal.subject,
          tenant,
          function: body.function,
          ttlSeconds: body.ttlSeconds,
        });
        ctx.state.log.info(
          { tenant, function: body.function, ttlSeconds: body.ttlSeconds },
          "invoke token issued",
        );
        ctx.status = 201;
        ctx.body = {
          token: issued.token,
          tenant,
          function: body.function,
          scope: "invoke",
          expires_at: issued.expiresAt.toISOString(),
        };
      },
    }),
  ];
}
