/** A function's recent events: deploys, scale changes, crashes with their reason. */
import { eventsQuerySchema, functionEventListSchema } from "../schemas/events.js";
import { functionParamsSchema } from "../schemas/functions.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute } from "./route.js";
import { functionTenant } from "./tenancy.js";

/** The route of `/v1/functions/{name}/events`. */
export function eventRoutes(deps: RouteDeps): AnyRoute[] {
  const { driver } = deps;
  return [
    defineRoute({
      method: "GET",
      path: "/v1/functions/{name}/events",
      operationId: "listFunctionEvents",
      summary: "List a function's recent events, newest first",
      tags: ["functions"],
      auth: "read",
      params: functionParamsSchema,
      query: eventsQuerySchema,
      responses: {
        200: { description: "The events kept (at most 100).", schema: functionEventListSchema },
      },
      errors: ["FUNCTION_NOT_FOUND"],
      async handle(ctx, { params, query }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        const events = await driver.events(tenant, params.name);
        ctx.body = query.limit === undefined ? events : events.slice(0, query.limit);
      },
    }),
  ];
}
