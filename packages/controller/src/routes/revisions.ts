/** A function's revisions: list, get one, roll back to one. */
import type { FunctionStatus, StoredRevision } from "../drivers/driver.js";
import { parseInput } from "../http/validate.js";
import { findRevision, previousRevision, toRevisionView } from "../revisions/index.js";
import {
  buildFunctionSchemas,
  functionParamsSchema,
  functionStatusSchema,
  tenantQuerySchema,
} from "../schemas/functions.js";
import {
  revisionListSchema,
  revisionParamsSchema,
  revisionSchema,
  rollbackSchema,
} from "../schemas/revisions.js";
import type { RouteDeps } from "./deps.js";
import { createFunctionWriter } from "./functions.js";
import { defineRoute, type AnyRoute, type RouteContext } from "./route.js";
import { functionTenant, principalOf, publicBase, toFunctionView } from "./tenancy.js";

const TAGS = ["functions"];

/** Routes of `/v1/functions/{name}/revisions` and `:rollback`. */
export function revisionRoutes(deps: RouteDeps): AnyRoute[] {
  const { driver } = deps;
  const writer = createFunctionWriter(deps);
  const { update } = buildFunctionSchemas({
    maxReplicas: deps.config.limits.maxReplicas,
    maxBodyBytes: deps.config.limits.maxInvokeBodyBytes,
  });

  /** The function (FUNCTION_NOT_FOUND when the caller cannot see it) and its revisions. */
  async function history(
    ctx: RouteContext,
    name: string,
    tenantQuery: string | undefined,
  ): Promise<{ status: FunctionStatus; revisions: StoredRevision[] }> {
    const tenant = functionTenant(ctx, name, tenantQuery);
    const status = await driver.get(tenant, name);
    return { status, revisions: await driver.revisions.list(tenant, name) };
  }

  return [
    defineRoute({
      method: "GET",
      path: "/v1/functions/{name}/revisions",
      operationId: "listRevisions",
      summary: "List a function's revisions, newest first",
      tags: TAGS,
      auth: "read",
      params: functionParamsSchema,
      query: tenantQuerySchema,
      responses: { 200: { description: "The revisions kept.", schema: revisionListSchema } },
      errors: ["FUNCTION_NOT_FOUND"],
      async handle(ctx, { params, query }) {
        const { status, revisions } = await history(ctx, params.name, query.tenant);
        ctx.body = revisions.map((r, i) => toRevisionView(r, i === 0, status.spec));
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/functions/{name}/revisions/{revision}",
      operationId: "getRevision",
      summary: "Get one revision of a function, by number or name",
      tags: TAGS,
      auth: "read",
      params: revisionParamsSchema,
      query: tenantQuerySchema,
      responses: { 200: { description: "The revision.", schema: revisionSchema } },
      errors: ["FUNCTION_NOT_FOUND", "REVISION_NOT_FOUND", "REVISION_NAME_INVALID"],
      async handle(ctx, { params, query }) {
        const { status, revisions } = await history(ctx, params.name, query.tenant);
        const revision = findRevision(revisions, params.name, params.revision);
        ctx.body = toRevisionView(revision, revision === revisions[0], status.spec);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/functions/{name}:rollback",
      operationId: "rollbackFunction",
      summary:
        "Apply an earlier revision's spec as an update (a new revision), by default the one before the current",
      tags: TAGS,
      auth: "write",
      params: functionParamsSchema,
      query: tenantQuerySchema,
      body: { name: "FunctionRollback", schema: rollbackSchema, required: false },
      responses: { 200: { description: "The function.", schema: functionStatusSchema } },
      errors: [
        "REQUEST_VALIDATION_FAILED",
        "FUNCTION_NOT_FOUND",
        "REVISION_NOT_FOUND",
        "REVISION_NAME_INVALID",
        "REVISION_NO_PREVIOUS",
        "FUNCTION_SECRET_MISSING",
        "FUNCTION_IMAGE_NOT_FOUND",
        "FUNCTION_IMAGE_PULL_DENIED",
      ],
      async handle(ctx, { params, query, body }) {
        const { status, revisions } = await history(ctx, params.name, query.tenant);
        const target =
          body.to === undefined
            ? previousRevision(revisions, params.name)
            : findRevision(revisions, params.name, body.to);
        // The replica count and the history kept are the function's now, not the revision's.
        const { replicas, revisionHistoryLimit } = status.spec;
        const fields = parseInput(
          update,
          {
            ...target.spec,
            replicas,
            ...(revisionHistoryLimit === undefined ? {} : { revisionHistoryLimit }),
          },
          "body",
        );
        const { name: _name, ...spec } = fields;
        const applied = await writer.update(ctx, writer.toSpec(status.tenant, params.name, spec));
        ctx.state.log.info(
          {
            tenant: status.tenant,
            function: params.name,
            revision: target.number,
            subject: principalOf(ctx).subject,
          },
          "function rolled back",
        );
        ctx.body = toFunctionView(applied, publicBase(ctx, deps.config.publicUrl));
      },
    }),
  ];
}
