/**
 * The trace context an asynchronous invocation carries through the queue: stored with the
 * message at enqueue, sent with each delivery, so the delivery's spans join the trace of the
 * request that enqueued it (as its children). With tracing on it is the enqueueing request's
 * server span; off, the caller's own headers, passed on as they came (bounded).
 */
import type { IncomingHttpHeaders } from "node:http";
import { context, propagation } from "@opentelemetry/api";

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** W3C limits: tracestate 32 members (about 512 characters kept), baggage 8192 bytes. */
const MAX = { tracestate: 512, baggage: 8192 } as const;

/** `traceparent`, `tracestate` and `baggage` to store with a queued invocation, or undefined. */
export function queueTraceHeaders(
  incoming: IncomingHttpHeaders,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  // A no-op without a registered propagator (tracing off).
  propagation.inject(context.active(), out);
  if (out.traceparent === undefined) {
    const traceparent = incoming.traceparent;
    if (typeof traceparent !== "string" || !TRACEPARENT.test(traceparent.trim())) return undefined;
    out.traceparent = traceparent.trim();
    const tracestate = incoming.tracestate;
    if (typeof tracestate === "string" && tracestate.length <= MAX.tracestate)
      out.tracestate = tracestate;
  }
  const baggage = incoming.baggage;
  if (out.baggage === undefined && typeof baggage === "string" && baggage.length <= MAX.baggage)
    out.baggage = baggage;
  return out;
}
