/**
 * The invoke router's spans (tracing on): a client span per attempt at a replica, whose ids
 * replace the traceparent the router would otherwise send; a retry is an event on the
 * request's span and a second client span; a wait for a scaled-to-zero function's first replica
 * is its own span; the FaaS attributes go on the request's server span.
 */
import type { IncomingHttpHeaders } from "node:http";
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapGetter,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from "@opentelemetry/semantic-conventions";
import { TRACE_ATTRIBUTES } from "@eventflow/protocol";

const {
  faasTrigger: FAAS_TRIGGER,
  faasInvocationId: FAAS_INVOCATION_ID,
  faasColdstart: FAAS_COLDSTART,
  faasInvokedName: FAAS_INVOKED_NAME,
  tenant: EVENTFLOW_TENANT,
} = TRACE_ATTRIBUTES;

/** One attempt at a replica. */
export interface AttemptSpan {
  /** Ends the span with the replica's status. */
  end(status: number): void;
  /** Ends the span as failed; `retrying` adds a retry event on the request's span. */
  fail(error: unknown, retrying: boolean): void;
}

/** The hooks the invoke router calls when tracing is on. */
export interface InvokeTracing {
  /** Puts the FaaS attributes on the request's span as the invoke starts. */
  started(info: { tenant: string; name: string; requestId: string }): void;
  /** Wraps the wait for a scaled-to-zero function's first replica in a span (a cold start). */
  coldStart<T>(fn: { tenant: string; name: string }, wait: Promise<T>): Promise<T>;
  /** Starts an attempt's client span and puts its traceparent into the upstream headers. */
  attempt(
    headers: string[],
    target: { url: string; method: string; name: string; incoming: IncomingHttpHeaders },
  ): AttemptSpan;
}

const incomingGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/**
 * Replaces a header's value in undici's flat header list (appends it when missing); `name` is
 * lower case. Searched from the end, where the router puts its own headers, and only names of
 * the same length are lower-cased.
 */
export function setFlatHeader(headers: string[], name: string, value: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    const h = headers[i]!;
    if (h.length === name.length && (h === name || h.toLowerCase() === name)) {
      headers[i + 1] = value;
      return;
    }
  }
  headers.push(name, value);
}

/** `server.address` and `server.port` of a replica URL, parsed once per URL (a bounded cache). */
const addresses = new Map<string, { readonly host: string; readonly port: number }>();
function addressOf(target: string): { readonly host: string; readonly port: number } {
  let found = addresses.get(target);
  if (found === undefined) {
    const url = new URL(target);
    found = {
      host: url.hostname,
      port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    };
    if (addresses.size >= 1024) addresses.clear();
    addresses.set(target, found);
  }
  return found;
}

/** The `traceparent` of a span. */
export function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, "0")}`;
}

/** Creates the invoke router's tracing hooks over `tracer`. */
export function createInvokeTracing(tracer: Tracer): InvokeTracing {
  return {
    started(info) {
      trace.getSpan(context.active())?.setAttributes({
        [FAAS_TRIGGER]: "http",
        [FAAS_INVOCATION_ID]: info.requestId,
        [FAAS_COLDSTART]: false,
        [FAAS_INVOKED_NAME]: info.name,
        [EVENTFLOW_TENANT]: info.tenant,
      });
    },
    async coldStart(fn, wait) {
      trace.getSpan(context.active())?.setAttribute(FAAS_COLDSTART, true);
      const span = tracer.startSpan("cold start wait", {
        kind: SpanKind.INTERNAL,
        attributes: { [FAAS_INVOKED_NAME]: fn.name, [EVENTFLOW_TENANT]: fn.tenant },
      });
      try {
        return await wait;
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
    attempt(headers, target) {
      const address = addressOf(target.url);
      // No request span (a delivery from the async queue): the trace the message carries, as
      // it came (the upstream headers already hold the router's own hop id instead).
      const active = context.active();
      const parent =
        trace.getSpan(active) === undefined
          ? propagation.extract(active, target.incoming, incomingGetter)
          : active;
      const span = tracer.startSpan(
        target.method,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: target.method,
            [ATTR_URL_FULL]: target.url,
            [ATTR_SERVER_ADDRESS]: address.host,
            [ATTR_SERVER_PORT]: address.port,
            [FAAS_INVOKED_NAME]: target.name,
          },
        },
        parent,
      );
      // The replica continues the trace under this span (tracestate and baggage pass as sent).
      setFlatHeader(headers, "traceparent", traceparentOf(span));
      return {
        end(status) {
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
        fail(error, retrying) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          if (retrying)
            trace.getActiveSpan()?.addEvent("retry", {
              "exception.message": error instanceof Error ? error.message : String(error),
            });
        },
      };
    },
  };
}
