/** The function endpoints: create, list, get, update, delete and scale (invoke: ./invoke.ts). */
import { EventFlowError, resolveScaling } from "@eventflow/protocol";
import { checkTriggers } from "../async/index.js";
import type { FunctionSpec, FunctionStatus } from "../drivers/driver.js";
import { recordRevision } from "../revisions/index.js";
import {
  buildFunctionSchemas,
  functionListSchema,
  functionParamsSchema,
  functionStatusSchema,
  listQuerySchema,
  tenantQuerySchema,
} from "../schemas/functions.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute, type RouteContext } from "./route.js";
import { functionTenant, functionView, ownTenant, principalOf } from "./tenancy.js";

const TAGS = ["functions"];

/** One info line per change of a function: who did what to which object. */
function audit(ctx: RouteContext, msg: string, fields: Record<string, unknown>): void {
  ctx.state.log.info({ ...fields, subject: principalOf(ctx).subject }, msg);
}
const one = { description: "The function.", schema: functionStatusSchema };

/**
 * The one way the API writes a function's spec (create, update, traffic, rollback): triggers
 * checked, the driver applies it, a change of code or configuration is recorded as a revision,
 * and the revisions the traffic names are running and ready before it sends them requests.
 */
export function createFunctionWriter(deps: RouteDeps) {
  const { driver, traffic } = deps;
  const record = (ctx: RouteContext, spec: FunctionSpec) =>
    recordRevision(driver.revisions, {
      spec,
      createdBy: principalOf(ctx).subject,
      now: deps.now(),
      referenced: traffic.referenced(spec.tenant, spec.name),
    });
  return {
    toSpec(
      tenant: string,
      name: string,
      fields: Omit<FunctionSpec, "tenant" | "name">,
    ): FunctionSpec {
      checkTriggers(fields.triggers, { nats: deps.config.async.nats !== undefined });
      return { ...fields, tenant, name };
    },
    async create(ctx: RouteContext, spec: FunctionSpec): Promise<FunctionStatus> {
      // A new function's only revision will be 1: its traffic may name nothing else.
      if (spec.traffic !== undefined) traffic.check(spec.name, spec.traffic, [1]);
      const status = await driver.create(spec);
      const recorded = await record(ctx, spec);
      await traffic.afterUpdate(status, recorded, undefined);
      return status;
    },
    async update(ctx: RouteContext, spec: FunctionSpec): Promise<FunctionStatus> {
      const before = await driver.get(spec.tenant, spec.name);
      const plan = await traffic.beforeUpdate(before, spec);
      const status = await driver.update(plan.spec);
      const recorded = await record(ctx, plan.spec);
      await traffic.afterUpdate(status, recorded, plan.rollout);
      return status;
    },
  };
}

/** Routes of `/v1/functions`. */
export function functionRoutes(deps: RouteDeps): AnyRoute[] {
  const { driver } = deps;
  const schemas = buildFunctionSchemas({
    maxReplicas: deps.config.limits.maxReplicas,
    maxBodyBytes: deps.config.limits.maxInvokeBodyBytes,
  });
  const writer = createFunctionWriter(deps);

  return [
    defineRoute({
      method: "POST",
      path: "/v1/functions",
      operationId: "createFunction",
      summary: "Deploy a function",
      tags: TAGS,
      auth: "write",
      query: tenantQuerySchema,
      body: { name: "FunctionCreate", schema: schemas.create },
      responses: {
        201: {
          description: "Created; replicas start in the background.",
          schema: functionStatusSchema,
        },
      },
      errors: [
        "REQUEST_VALIDATION_FAILED",
        "TRIGGER_NATS_UNAVAILABLE",
        "FUNCTION_ALREADY_EXISTS",
        "FUNCTION_IMAGE_UNSUPPORTED",
        "FUNCTION_IMAGE_NOT_FOUND",
        "FUNCTION_IMAGE_PULL_DENIED",
      ],
      async handle(ctx, { body, query }) {
        const tenant = ownTenant(ctx, query.tenant);
        const { name, ...fields } = body;
        const status = await writer.create(ctx, writer.toSpec(tenant, name, fields));
        audit(ctx, "function created", {
          tenant,
          function: name,
          image: fields.image,
          replicas: fields.replicas,
        });
        ctx.status = 201;
        ctx.set("location", `/v1/functions/${name}`);
        ctx.body = await functionView(deps, ctx, status);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/functions",
      operationId: "listFunctions",
      summary: "List functions with their status (admins: every tenant unless `tenant` is given)",
      tags: TAGS,
      auth: "read",
      query: listQuerySchema,
      responses: { 200: { description: "The functions.", schema: functionListSchema } },
      errors: ["AUTH_FORBIDDEN"],
      async handle(ctx, { query }) {
        const principal = principalOf(ctx);
        const everyTenant =
          principal.kind === "user" && principal.role === "admin" && query.tenant === undefined;
        const list = await driver.list(everyTenant ? undefined : ownTenant(ctx, query.tenant));
        ctx.body = await Promise.all(list.map((s) => functionView(deps, ctx, s)));
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/functions/{name}",
      operationId: "getFunction",
      summary: "Get one function",
      tags: TAGS,
      auth: "read",
      params: functionParamsSchema,
      query: tenantQuerySchema,
      responses: { 200: one },
      errors: ["FUNCTION_NOT_FOUND"],
      async handle(ctx, { params, query }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        ctx.body = await functionView(deps, ctx, await driver.get(tenant, params.name));
      },
    }),
    defineRoute({
      method: "PUT",
      path: "/v1/functions/{name}",
      operationId: "updateFunction",
      summary: "Replace a function's spec (rolling update, no dropped invocations)",
      tags: TAGS,
      auth: "write",
      params: functionParamsSchema,
      query: tenantQuerySchema,
      body: { name: "FunctionUpdate", schema: schemas.update },
      responses: { 200: one },
      errors: [
        "REQUEST_VALIDATION_FAILED",
        "TRIGGER_NATS_UNAVAILABLE",
        "FUNCTION_NOT_FOUND",
        "FUNCTION_IMAGE_UNSUPPORTED",
        "FUNCTION_IMAGE_NOT_FOUND",
        "FUNCTION_IMAGE_PULL_DENIED",
      ],
      async handle(ctx, { params, query, body }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        const { name, ...fields } = body;
        if (name !== undefined && name !== params.name) {
          throw new EventFlowError(
            "REQUEST_VALIDATION_FAILED",
            "name in the body differs from the path",
            {
              details: [{ path: "name", message: `must equal the path's name ${params.name}` }],
            },
          );
        }
        const status = await writer.update(ctx, writer.toSpec(tenant, params.name, fields));
        ctx.body = await functionView(deps, ctx, status);
        audit(ctx, "function updated", {
          tenant,
          function: params.name,
          image: fields.image,
          replicas: fields.replicas,
        });
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/v1/functions/{name}",
      operationId: "deleteFunction",
      summary: "Delete a function (replicas drain first)",
      tags: TAGS,
      auth: "write",
      params: functionParamsSchema,
      query: tenantQuerySchema,
      responses: { 204: { description: "Deleted." } },
      errors: ["FUNCTION_NOT_FOUND"],
      async handle(ctx, { params, query }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        await driver.delete(tenant, params.name);
        audit(ctx, "function deleted", { tenant, function: params.name });
        deps.metrics.forgetFunction(tenant, params.name);
        ctx.status = 204;
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/functions/{name}:scale",
      operationId: "scaleFunction",
      summary: "Set a function's replica count (0 scales to zero)",
      tags: TAGS,
      auth: "write",
      params: functionParamsSchema,
      query: tenantQuerySchema,
      body: { name: "FunctionScale", schema: schemas.scale },
      responses: { 200: one },
      errors: ["REQUEST_VALIDATION_FAILED", "FUNCTION_NOT_FOUND", "FUNCTION_AUTOSCALED"],
      async handle(ctx, { params, query, body }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        const { spec } = await driver.get(tenant, params.name);
        if (resolveScaling(spec).mode === "request")
          throw new EventFlowError(
            "FUNCTION_AUTOSCALED",
            `function ${params.name} is scaled by requests between ${spec.scaling?.minReplicas} and ${spec.scaling?.maxReplicas} replicas; change scaling instead`,
          );
        ctx.body = await functionView(
          deps,
          ctx,
          await driver.scale(tenant, params.name, body.replicas),
        );
        audit(ctx, "function scaled", { tenant, function: params.name, replicas: body.replicas });
      },
    }),
  ];
}
