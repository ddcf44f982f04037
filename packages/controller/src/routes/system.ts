/** Health, readiness, Prometheus metrics and the OpenAPI document. */
import { EventFlowError } from "@eventflow/protocol";
import { functionLimitsSchema } from "../schemas/functions.js";
import { systemConfigSchema } from "../schemas/system.js";
import { CONTROLLER_VERSION } from "../version.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute } from "./route.js";

/** System routes; `openapi` is built lazily from the full table. */
export function systemRoutes(deps: RouteDeps, openapi: () => unknown): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/healthz",
      operationId: "healthz",
      summary: "Liveness: the process serves HTTP (and says which version it is)",
      tags: ["system"],
      auth: "none",
      responses: { 200: { description: "Alive." } },
      errors: [],
      async handle(ctx) {
        ctx.body = { status: "ok", version: CONTROLLER_VERSION };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/readyz",
      operationId: "readyz",
      summary: "Readiness: the driver has started",
      tags: ["system"],
      auth: "none",
      responses: { 200: { description: "Ready." } },
      errors: ["DRIVER_UNAVAILABLE"],
      async handle(ctx) {
        if (!deps.isReady())
          throw new EventFlowError(
            "DRIVER_UNAVAILABLE",
            `the ${deps.driver.name} driver is not ready`,
          );
        ctx.body = { status: "ready", driver: deps.driver.name, version: CONTROLLER_VERSION };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/limits",
      operationId: "getLimits",
      summary: "The limits function specs are checked against (EVENTFLOW_MAX_REPLICAS)",
      tags: ["system"],
      auth: "read",
      responses: { 200: { description: "The limits.", schema: functionLimitsSchema } },
      errors: [],
      async handle(ctx) {
        ctx.body = {
          maxReplicas: deps.config.limits.maxReplicas,
          maxBodyBytes: deps.config.limits.maxInvokeBodyBytes,
        };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/system/config",
      operationId: "getSystemConfig",
      summary: "Settings clients show: the trace link template (EVENTFLOW_TRACE_URL_TEMPLATE)",
      tags: ["system"],
      auth: "read",
      responses: { 200: { description: "The settings.", schema: systemConfigSchema } },
      errors: [],
      async handle(ctx) {
        ctx.body = { traceUrlTemplate: deps.config.traceUrlTemplate ?? null };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics (admins; scrape METRICS_PORT without a token instead)",
      tags: ["system"],
      auth: "admin",
      responses: { 200: { description: "Prometheus text format.", contentType: "text/plain" } },
      errors: [],
      async handle(ctx) {
        const registry = deps.metrics.registry;
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
      },
    }),
    defineRoute({
      method: "GET",
      path: "/openapi.json",
      operationId: "openapi",
      summary: "This API as OpenAPI 3.1, generated from the schemas that validate requests",
      tags: ["system"],
      auth: "none",
      responses: { 200: { description: "The document." } },
      errors: [],
      async handle(ctx) {
        ctx.body = openapi();
      },
    }),
  ];
}
