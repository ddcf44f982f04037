/** Logs (server-sent events) and the metrics time series of one function. */
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { toErrorEnvelope } from "@eventflow/protocol";
import { sseComment, sseEncode, sseEncodeLog } from "../http/sse.js";
import { toEventFlowError } from "../http/errors.js";
import { functionKey } from "../metrics.js";
import { functionParamsSchema } from "../schemas/functions.js";
import {
  buildLogsQuerySchema,
  logEventSchema,
  metricsQuerySchema,
  metricsSeriesSchema,
} from "../schemas/observe.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute, type RouteContext } from "./route.js";
import { functionTenant } from "./tenancy.js";

const TAGS = ["observability"];

interface LogsRequest {
  readonly tenant: string;
  readonly name: string;
  readonly follow: boolean;
  readonly tail?: number | undefined;
  readonly since?: Date | undefined;
}

function streamLogs(ctx: RouteContext, deps: RouteDeps, req: LogsRequest): void {
  const lastEventId = ctx.get("last-event-id");
  (ctx as { compress?: boolean }).compress = false;
  ctx.req.setTimeout(0);
  ctx.status = 200;
  ctx.set({
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
  });
  if (ctx.method === "HEAD") {
    ctx.body = "";
    return;
  }
  const stream = new PassThrough();
  ctx.body = stream;
  const abort = new AbortController();
  const stop = () => abort.abort();
  deps.shutdown.addEventListener("abort", stop, { once: true });
  abort.signal.addEventListener("abort", () => deps.shutdown.removeEventListener("abort", stop), {
    once: true,
  });
  if (deps.shutdown.aborted) abort.abort();
  ctx.req.once("close", () => abort.abort());
  stream.once("close", () => abort.abort());
  stream.write(`retry: 2000\n${sseComment("connected")}`);
  const heartbeat = setInterval(
    () => stream.write(sseComment("heartbeat")),
    deps.config.limits.sseHeartbeatSeconds * 1000,
  );
  heartbeat.unref();
  const lines = deps.driver.logs(req.tenant, req.name, {
    follow: req.follow,
    ...(req.tail === undefined || lastEventId !== "" ? {} : { tail: req.tail }),
    ...(req.since === undefined ? {} : { since: req.since }),
    ...(lastEventId === "" ? {} : { afterId: lastEventId }),
    signal: abort.signal,
  });
  // A slow client pauses the reading of lines instead of growing a buffer.
  const write = async (chunk: string) => {
    if (!stream.write(chunk))
      await once(stream, "drain", { signal: abort.signal }).catch(() => undefined);
  };
  void (async () => {
    try {
      for await (const line of lines) {
        if (abort.signal.aborted) break;
        await write(sseEncodeLog(line));
      }
      if (!abort.signal.aborted) await write(sseEncode({ event: "end", data: "{}" }));
    } catch (error) {
      if (!abort.signal.aborted) {
        const envelope = toErrorEnvelope(toEventFlowError(error), ctx.state.requestId);
        ctx.state.log.error({ err: error }, "log stream failed");
        stream.write(sseEncode({ event: "error", data: JSON.stringify(envelope) }));
      }
    } finally {
      clearInterval(heartbeat);
      stream.end();
    }
  })();
}

/** Routes of `/v1/functions/{name}/logs` and `/metrics`. */
export function observeRoutes(deps: RouteDeps): AnyRoute[] {
  const logsQuery = buildLogsQuerySchema(deps.now);
  return [
    defineRoute({
      method: "GET",
      path: "/v1/functions/{name}/logs",
      operationId: "streamFunctionLogs",
      summary:
        "Logs as server-sent events: one `log` event per line (data: replica, stream, timestamp, line), `id:` for Last-Event-ID resume, heartbeat comments, an `end` event when not following.",
      tags: TAGS,
      auth: "read",
      params: functionParamsSchema,
      query: logsQuery,
      responses: {
        200: {
          description: "An event stream.",
          schema: logEventSchema,
          contentType: "text/event-stream",
        },
      },
      errors: ["FUNCTION_NOT_FOUND", "REQUEST_VALIDATION_FAILED"],
      async handle(ctx, { params, query }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        await deps.driver.get(tenant, params.name);
        streamLogs(ctx, deps, {
          tenant,
          name: params.name,
          follow: query.follow ?? false,
          tail: query.tail,
          since: query.since,
        });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/functions/{name}/metrics",
      operationId: "getFunctionMetrics",
      summary:
        "A small time series of invocations, errors (5xx), client errors (4xx) and p50/p95 latency for the dashboard",
      tags: TAGS,
      auth: "read",
      params: functionParamsSchema,
      query: metricsQuerySchema,
      responses: {
        200: { description: "The series, oldest step first.", schema: metricsSeriesSchema },
      },
      errors: ["FUNCTION_NOT_FOUND", "REQUEST_VALIDATION_FAILED"],
      async handle(ctx, { params, query }) {
        const tenant = functionTenant(ctx, params.name, query.tenant);
        await deps.driver.get(tenant, params.name);
        const { stepSeconds, points } = deps.metrics.series.query(
          functionKey(tenant, params.name),
          query.range,
        );
        ctx.body = {
          name: params.name,
          tenant,
          range: query.range,
          step_seconds: stepSeconds,
          points,
        };
      },
    }),
  ];
}
