/**
 * The runtime's spans when its config turns tracing on (loaded lazily by ./tracing.ts, and
 * with it @eventflow/telemetry's SDK: exporter, provider, the AsyncLocalStorage context manager
 * that keeps a handler's span across its awaits, W3C propagation): the server and handler
 * spans of each request, and client spans for the handler's fetch/undici calls
 * (./tracing-fetch.ts).
 */
import type { IncomingMessage } from "node:http";
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import { TRACE_ATTRIBUTES } from "@eventflow/protocol";
import { createTracingSdk } from "@eventflow/telemetry";
import type { InvocationTrace, RuntimeTracing, TracingOptions } from "./tracing.js";
import { traceFetches } from "./tracing-fetch.js";

const {
  faasTrigger: FAAS_TRIGGER,
  faasInvocationId: FAAS_INVOCATION_ID,
  faasColdstart: FAAS_COLDSTART,
  faasName: FAAS_NAME,
  errorCode: ERROR_CODE,
} = TRACE_ATTRIBUTES;

const headerGetter = {
  keys: (carrier: IncomingMessage["headers"]) => Object.keys(carrier),
  get: (carrier: IncomingMessage["headers"], key: string) => carrier[key],
};

/** Sets up the SDK from the parsed config and registers it as the process's global one. */
export function createRuntimeTracing(options: TracingOptions): RuntimeTracing {
  const { config, functionName } = options;
  const sdk = createTracingSdk(config, {
    tracerName: "@eventflow/runtime",
    resourceAttributes: { [FAAS_NAME]: functionName },
  });
  const { tracer } = sdk;
  const stopFetches = traceFetches(tracer);
  let coldStart = true;

  /** The server span of `req`, a child of the caller's span its headers name. */
  function serverSpan(req: IncomingMessage, requestId: string, extra: Attributes) {
    const parent = propagation.extract(context.active(), req.headers, headerGetter);
    const method = req.method ?? "GET";
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_PATH]: (req.url ?? "/").split("?")[0],
      [ATTR_URL_SCHEME]: "http",
      [FAAS_TRIGGER]: req.headers["ce-specversion"] === undefined ? "http" : "pubsub",
      [FAAS_INVOCATION_ID]: requestId,
      ...extra,
    };
    const server = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
    return { parent, server };
  }

  /** The response's status on the server span; 5xx marks it failed (4xx is the caller's). */
  function endServer(server: Span, status: number): void {
    server.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
    server.end();
  }

  function start(req: IncomingMessage, requestId: string): InvocationTrace {
    const { parent, server } = serverSpan(req, requestId, { [FAAS_COLDSTART]: coldStart });
    coldStart = false;
    const serverContext = trace.setSpan(parent, server);
    const handler: Span = tracer.startSpan(
      `handler ${functionName}`,
      { kind: SpanKind.INTERNAL },
      serverContext,
    );
    const handlerContext = trace.setSpan(serverContext, handler);
    const sc = handler.spanContext();
    const flags = sc.traceFlags.toString(16).padStart(2, "0");
    return {
      ids: {
        traceId: sc.traceId,
        spanId: sc.spanId,
        traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}`,
      },
      run: (fn) => context.with(handlerContext, fn),
      handlerDone(error) {
        if (error !== undefined) {
          handler.recordException(error instanceof Error ? error : String(error));
          handler.setStatus({ code: SpanStatusCode.ERROR });
        }
        handler.end();
      },
      end: (status) => endServer(server, status),
    };
  }

  return {
    start,
    refused(req, requestId, status, code) {
      // No handler ran, so this is no cold start; the code says why, as the answer's body does.
      const { server } = serverSpan(req, requestId, { [ERROR_CODE]: code });
      endServer(server, status);
    },
    activeIds() {
      const span = trace.getSpan(context.active());
      if (span === undefined) return undefined;
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
    async shutdown() {
      stopFetches();
      await sdk.shutdown();
    },
  };
}
