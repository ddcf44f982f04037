/**
 * Asynchronous invocations: the 202 answer of `POST /v1/functions/{name}:invoke` with
 * `Prefer: respond-async` (the invoke route hands such requests here), the invocation's record,
 * a function's invocations, and the dead letters (list, redrive, purge). Every route acts in
 * the caller's tenant (admins may name another), as every other route does.
 */
import { EventFlowError, type Invocation as WireInvocation } from "@eventflow/protocol";
import { checkCallbackUrl, type Invocation, type InvocationQueue } from "../async/index.js";
import { readRawBody } from "../http/json-body.js";
import type { InvokeTarget } from "../invoke/index.js";
import { queueTraceHeaders } from "../tracing/queue-context.js";
import { errorEnvelopeSchema } from "../schemas/common.js";
import { functionParamsSchema } from "../schemas/functions.js";
import {
  deadLetterQuerySchema,
  deadLetterResultSchema,
  deadLetterSelectorSchema,
  invocationListQuerySchema,
  invocationListSchema,
  invocationParamsSchema,
  invocationQuerySchema,
  invocationSchema,
} from "../schemas/invocations.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute, type RouteContext } from "./route.js";
import { functionTenant, ownTenant, principalOf } from "./tenancy.js";

const TAGS = ["invocations"];
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Whether the request asks for an asynchronous answer (RFC 7240 `Prefer: respond-async`). */
export function prefersAsync(prefer: string | string[] | undefined): boolean {
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  return values.some((v) =>
    v.split(",").some((p) => p.split(";")[0]!.trim().toLowerCase() === "respond-async"),
  );
}

/** The queue, or ASYNC_UNAVAILABLE when this controller has none. */
function queueOf(deps: Pick<RouteDeps, "invocations">): InvocationQueue {
  if (deps.invocations === undefined)
    throw new EventFlowError("ASYNC_UNAVAILABLE", "asynchronous invocations are not configured");
  return deps.invocations;
}

function badHeader(header: string, message: string): EventFlowError {
  return new EventFlowError("REQUEST_VALIDATION_FAILED", `${header} ${message}`, {
    details: [{ path: `headers.${header}`, message }],
  });
}

/** The record as the API shows it (the request body is not echoed). */
export function toInvocationView(inv: Invocation): WireInvocation {
  const { request: _request, retry, attemptBase: _base, dispatches: _d, ...rest } = inv;
  return { ...rest, maxAttempts: retry.maxAttempts };
}

/** Queues an invoke and answers 202 with its id and Location. */
export async function acceptAsyncInvoke(
  deps: Pick<RouteDeps, "invocations" | "config">,
  ctx: RouteContext,
  fn: InvokeTarget,
): Promise<void> {
  const queue = queueOf(deps);
  const key = ctx.get("idempotency-key") || undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
    throw badHeader("idempotency-key", "must be 1-255 visible ASCII characters");
  const callbackUrl = ctx.get("x-callback-url") || undefined;
  const problem = callbackUrl === undefined ? undefined : checkCallbackUrl(callbackUrl);
  if (problem !== undefined) throw badHeader("x-callback-url", problem);
  const limit = Math.min(fn.maxBodyBytes ?? Infinity, deps.config.limits.maxInvokeBodyBytes);
  const body = await readRawBody(ctx, limit, deps.config.limits.bodyTimeoutSeconds * 1000);
  const contentType = ctx.get("content-type") || undefined;
  // The deliveries continue this request's trace (W3C headers stored with the message).
  const traceHeaders = queueTraceHeaders(ctx.req.headers);
  const { invocation, created } = await queue.enqueue({
    tenant: fn.tenant,
    function: fn.name,
    request: {
      body: body.toString("base64"),
      ...(contentType === undefined ? {} : { contentType }),
      querystring: ctx.querystring,
      ...(traceHeaders === undefined ? {} : { headers: traceHeaders }),
    },
    ...(callbackUrl === undefined ? {} : { callbackUrl }),
    ...(key === undefined ? {} : { idempotencyKey: key }),
  });
  const location = `/v1/invocations/${invocation.id}`;
  ctx.status = 202;
  ctx.set("location", location);
  ctx.set("preference-applied", "respond-async");
  if (!created) ctx.set("idempotent-replayed", "true");
  ctx.body = { id: invocation.id, state: invocation.state, location };
}

const envelope = (description: string) => ({ description, schema: errorEnvelopeSchema });

/** Routes of `/v1/invocations`, a function's invocations and the dead letters. */
export function invocationRoutes(deps: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/v1/invocations/{id}",
      operationId: "getInvocation",
      summary:
        "An asynchronous invocation: state (queued, running, succeeded, failed, dead), attempts with their errors, timing and the result (base64, up to the result size limit)",
      tags: TAGS,
      auth: "read",
      params: invocationParamsSchema,
      query: invocationQuerySchema,
      responses: {
        200: { description: "The invocation.", schema: invocationSchema },
        404: envelope("No such invocation in the tenant."),
      },
      errors: ["INVOCATION_NOT_FOUND", "ASYNC_UNAVAILABLE"],
      async handle(ctx, { params, query }) {
        const tenant = ownTenant(ctx, query.tenant);
        const inv = await queueOf(deps).get(tenant, params.id);
        if (inv === undefined)
          throw new EventFlowError("INVOCATION_NOT_FOUND", `no invocation ${params.id}`);
        ctx.body = toInvocationView(inv);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/functions/{name}/invocations",
      operationId: "listInvocations",
      summary: "A function's asynchronous invocations, newest first, optionally by state",
      tags: TAGS,
      auth: "read",
      params: functionParamsSchema,
      query: invocationListQuerySchema,
      responses: { 200: { description: "The invocations.", schema: invocationListSchema } },
      errors: ["FUNCTION_NOT_FOUND", "ASYNC_UNAVAILABLE"],
      async handle(ctx, { params, query }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        // FUNCTION_NOT_FOUND for a function the tenant does not have, as every function route.
        await deps.driver.get(tenant, params.name);
        const list = await queueOf(deps).list({
          tenant,
          function: params.name,
          ...(query.state === undefined ? {} : { states: query.state }),
          limit: query.limit,
        });
        ctx.body = list.map(toInvocationView);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/dead-letters",
      operationId: "listDeadLetters",
      summary:
        "Invocations that ended without success (dead: retries used up; failed: not retried)",
      tags: TAGS,
      auth: "read",
      query: deadLetterQuerySchema,
      responses: { 200: { description: "The dead letters.", schema: invocationListSchema } },
      errors: ["ASYNC_UNAVAILABLE"],
      async handle(ctx, { query }) {
        const tenant = ownTenant(ctx, query.tenant);
        const list = await queueOf(deps).list({
          tenant,
          ...(query.function === undefined ? {} : { function: query.function }),
          states: query.state ?? ["dead", "failed"],
          limit: query.limit,
        });
        ctx.body = list.map(toInvocationView);
      },
    }),
    ...(["redrive", "purge"] as const).map((action) =>
      defineRoute({
        method: "POST",
        path: `/v1/dead-letters:${action}`,
        operationId: `${action}DeadLetters`,
        summary:
          action === "redrive"
            ? "Queue dead letters again (by ids, a function, or all), each with a fresh retry budget"
            : "Forget dead letters (by ids, a function, or all)",
        tags: TAGS,
        auth: "invoke",
        query: invocationQuerySchema,
        body: { name: "DeadLetterSelector", schema: deadLetterSelectorSchema },
        responses: { 200: { description: "The ids acted on.", schema: deadLetterResultSchema } },
        errors: ["REQUEST_VALIDATION_FAILED", "ASYNC_UNAVAILABLE"],
        async handle(ctx, { body, query }) {
          const tenant = ownTenant(ctx, query.tenant);
          const selector = {
            ...(body.ids === undefined ? {} : { ids: body.ids }),
            ...(body.function === undefined ? {} : { function: body.function }),
          };
          const ids = await queueOf(deps)[action](tenant, selector);
          ctx.state.log.info(
            { tenant, count: ids.length, subject: principalOf(ctx).subject },
            `dead letters ${action === "redrive" ? "redriven" : "purged"}`,
          );
          ctx.body = { ids, count: ids.length };
        },
      }),
    ),
  ];
}
