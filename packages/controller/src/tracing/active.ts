/**
 * The active span's ids, for log lines and exemplars. Only the OpenTelemetry API is imported:
 * with tracing off no span is ever active and these return nothing.
 */
import { context, trace } from "@opentelemetry/api";

/**
 * `trace_id`/`span_id` of the active span, for pino's mixin: a new object each call (pino merges
 * the line's fields into it), empty outside spans.
 */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
