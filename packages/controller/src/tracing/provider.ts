/**
 * The controller's OpenTelemetry SDK, set up from the parsed OTEL_* config when tracing is on:
 * a tracer provider exporting over OTLP/HTTP, the AsyncLocalStorage context manager (the
 * request's span stays active across Koa's awaits and the invoke's), W3C trace context and
 * baggage propagation. Registered as the process's global SDK.
 */
import { context, propagation, trace, type Tracer } from "@opentelemetry/api";
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
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { TracingConfig } from "@eventflow/protocol";
import { CONTROLLER_VERSION } from "../version.js";

/** The controller's tracer and the SDK's lifecycle. */
export interface ControllerTracing {
  readonly tracer: Tracer;
  /** Exports buffered spans now (tests read them back right after). */
  flush(): Promise<void>;
  /** Exports what is buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

/** The sampler OTEL_TRACES_SAMPLER(_ARG) names. */
export function buildSampler(config: Pick<TracingConfig, "sampler" | "samplerRatio">): Sampler {
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

/** Sets up and registers the SDK; call only when `config.enabled`. */
export function createControllerTracing(config: TracingConfig): ControllerTracing {
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
      [ATTR_SERVICE_VERSION]: CONTROLLER_VERSION,
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
  return {
    tracer: provider.getTracer("@eventflow/controller", CONTROLLER_VERSION),
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
