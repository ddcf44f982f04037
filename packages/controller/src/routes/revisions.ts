/** A function's revisions: list, get one, roll back to one, split traffic between them. */
import { revisionName } from "@eventflow/protocol";
import type { FunctionStatus, StoredRevision } from "../drivers/driver.js";
import { findRevision, revisionNumberOf, toRevisionView } from "../revisions/index.js";
import type { SpecTraffic } from "../revisions/revision-traffic.js";
import {
  functionParamsSchema,
  functionStatusSchema,
  tenantQuerySchema,
} from "../schemas/functions.js";
import {
  revisionListSchema,
  revisionParamsSchema,
  revisionSchema,
  rollbackSchema,
  trafficRequestSchema,
} from "../schemas/revisions.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute, type RouteContext } from "./route.js";
import { functionTenant, functionView, principalOf } from "./tenancy.js";

const TAGS = ["functions"];

/** Routes of `/v1/functions/{name}/revisions`, `:rollback` and `:traffic`. */
export function revisionRoutes(deps: RouteDeps): AnyRoute[] {
  const { driver } = deps;

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
        const { traffic } = await deps.traffic.describe(status);
        ctx.body = revisions.map((r, i) => toRevisionView(r, i === 0, status.spec, traffic));
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
        const { traffic } = await deps.traffic.describe(status);
        ctx.body = toRevisionView(revision, revision === revisions[0], status.spec, traffic);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/functions/{name}:rollback",
      operationId: "rollbackFunction",
      summary:
        "Send every request to an earlier revision at once (by default the one before the revision serving most now); its workload takes them, warm when it has replicas",
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
        "FUNCTION_NOT_READY",
        "FUNCTION_CRASH_LOOP",
      ],
      async handle(ctx, { params, query, body }) {
        const { status, revisions } = await history(ctx, params.name, query.tenant);
        const to =
          body.to === undefined ? undefined : findRevision(revisions, params.name, body.to).number;
        const started = performance.now();
        const done = await deps.traffic.rollback(
          status,
          to,
          (spec) => driver.update(spec),
          revisions,
        );
        ctx.state.log.info(
          {
            tenant: status.tenant,
            function: params.name,
            revision: revisionName(params.name, done.revision),
            ms: Math.round(performance.now() - started),
            subject: principalOf(ctx).subject,
          },
          "function rolled back",
        );
        ctx.body = await functionView(deps, ctx, done.status);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/functions/{name}:traffic",
      operationId: "setFunctionTraffic",
      summary:
        "Split a function's requests between its revisions, and tag revisions (X-EventFlow-Tag); the revisions that take requests are ready before they get any",
      tags: TAGS,
      auth: "write",
      params: functionParamsSchema,
      query: tenantQuerySchema,
      body: { name: "FunctionTraffic", schema: trafficRequestSchema },
      responses: { 200: { description: "The function.", schema: functionStatusSchema } },
      errors: [
        "REQUEST_VALIDATION_FAILED",
        "FUNCTION_NOT_FOUND",
        "TRAFFIC_INVALID",
        "REVISION_NOT_FOUND",
        "REVISION_NAME_INVALID",
        "FUNCTION_NOT_READY",
        "FUNCTION_CRASH_LOOP",
      ],
      async handle(ctx, { params, query, body }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        const status = await driver.get(tenant, params.name);
        // Stored as numbers (the spec's form): a name must be one of this function's revisions.
        const targets: SpecTraffic = body.traffic.map(({ revision, ...t }) =>
          revision === undefined ? t : { ...t, revision: revisionNumberOf(revision, params.name) },
        );
        const applied = await deps.traffic.applyTraffic(status, targets, (spec) =>
          driver.update(spec),
        );
        ctx.state.log.info(
          {
            tenant,
            function: params.name,
            traffic: targets,
            subject: principalOf(ctx).subject,
          },
          "function traffic set",
        );
        ctx.body = await functionView(deps, ctx, applied);
      },
    }),
  ];
}
