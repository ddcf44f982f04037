/**
 * The OpenTelemetry SDK of a runtime whose config turns tracing on (loaded lazily by
 * ./tracing.ts): a tracer provider exporting over OTLP/HTTP, the AsyncLocalStorage context
 * manager (so a handler's awaits keep its span), W3C trace context and baggage propagation,
 * and client spans for the handler's fetch/undici calls (./tracing-fetch.ts).
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
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import { TRACE_ATTRIBUTES, type TracingConfig } from "@eventflow/protocol";
import type { InvocationTrace, RuntimeTracing, TracingOptions } from "./tracing.js";
import { traceFetches } from "./tracing-fetch.js";

/** The sampler OTEL_TRACES_SAMPLER(_ARG) names. */
function buildSampler(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio });
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

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
  const exporter =
    config.exporter === "console"
      ? new ConsoleSpanExporter()
      : config.protocol === "http/json"
        ? new OTLPJsonTraceExporter({ url: config.endpoint, headers: { ...config.headers } })
        : new OTLPProtoTraceExporter({ url: config.endpoint, headers: { ...config.headers } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName,
      [FAAS_NAME]: functionName,
    }),
    sampler: buildSampler(config),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer("@eventflow/runtime");
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
      await provider.shutdown();
    },
  };
}
