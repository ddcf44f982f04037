/**
 * The OpenTelemetry SDK of a process whose parsed config turns tracing on: a tracer provider
 * exporting over OTLP/HTTP (protobuf or JSON) or to the console, the AsyncLocalStorage context
 * manager (a span stays active across awaits), W3C trace context and baggage propagation, all
 * registered as the process's global SDK. The controller and the runtime each build their own
 * spans on the tracer this returns.
 */
import { context, propagation, trace, type Attributes, type Tracer } from "@opentelemetry/api";
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
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { TracingConfig } from "@eventflow/protocol";
import { buildSampler } from "./sampler.js";

/** What the process adds to the config: who is tracing. */
export interface TracingSdkOptions {
  /** The instrumentation scope of the returned tracer, e.g. `@eventflow/controller`. */
  readonly tracerName: string;
  /** `service.version` of the resource and the tracer's version; omitted when undefined. */
  readonly serviceVersion?: string;
  /** Resource attributes of this process (e.g. `faas.name`), over the config's. */
  readonly resourceAttributes?: Attributes;
}

/** The registered SDK: its tracer and its lifecycle. */
export interface TracingSdk {
  readonly tracer: Tracer;
  /** Exports buffered spans now (tests read them back right after). */
  flush(): Promise<void>;
  /** Exports what is buffered, stops the exporter and unregisters the global SDK. */
  shutdown(): Promise<void>;
}

/** The exporter the config names: the console, or OTLP/HTTP in the configured encoding. */
export function buildSpanExporter(
  config: Pick<TracingConfig, "exporter" | "protocol" | "endpoint" | "headers">,
): SpanExporter {
  if (config.exporter === "console") return new ConsoleSpanExporter();
  const options = { url: config.endpoint, headers: { ...config.headers } };
  return config.protocol === "http/json"
    ? new OTLPJsonTraceExporter(options)
    : new OTLPProtoTraceExporter(options);
}

/** Sets up the SDK and registers it as the process's global one; call only when `config.enabled`. */
export function createTracingSdk(config: TracingConfig, options: TracingSdkOptions): TracingSdk {
  const { tracerName, serviceVersion, resourceAttributes } = options;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName,
      ...(serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: serviceVersion }),
      ...resourceAttributes,
    }),
    sampler: buildSampler(config),
    spanProcessors: [new BatchSpanProcessor(buildSpanExporter(config))],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer(tracerName, serviceVersion),
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
