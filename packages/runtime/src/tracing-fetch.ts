/**
 * Client spans for the HTTP calls a handler makes with fetch or undici, from undici's
 * diagnostics channels (Node's own fetch publishes them too): a span per request started while
 * a traced invocation is active, the W3C headers added to the request, the status recorded and
 * the span ended when the response ends or fails. No instrumentation hooks into module loading.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from "@opentelemetry/semantic-conventions";

/** The parts of undici's request object the channels hand out that are used here. */
interface UndiciRequest {
  readonly origin: string | URL;
  readonly method: string;
  readonly path: string;
  addHeader(name: string, value: string): unknown;
}

interface RequestMessage {
  readonly request: UndiciRequest;
}

/** Subscribes to undici's channels; returns the unsubscribe. */
export function traceFetches(tracer: Tracer): () => void {
  const spans = new WeakMap<UndiciRequest, Span>();

  const onCreate = (message: unknown): void => {
    const { request } = message as RequestMessage;
    const parent = context.active();
    if (trace.getSpan(parent) === undefined) return;
    const origin = new URL(String(request.origin));
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_FULL]: `${origin.origin}${request.path}`,
          [ATTR_SERVER_ADDRESS]: origin.hostname,
          [ATTR_SERVER_PORT]: Number(origin.port || (origin.protocol === "https:" ? 443 : 80)),
        },
      },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    for (const [name, value] of Object.entries(carrier)) request.addHeader(name, value);
    spans.set(request, span);
  };
  const onHeaders = (message: unknown): void => {
    const { request, response } = message as RequestMessage & { response: { statusCode: number } };
    const span = spans.get(request);
    if (span === undefined) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
    if (response.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
  };
  const onEnd = (message: unknown): void => {
    const { request } = message as RequestMessage;
    spans.get(request)?.end();
    spans.delete(request);
  };
  const onError = (message: unknown): void => {
    const { request, error } = message as RequestMessage & { error: unknown };
    const span = spans.get(request);
    if (span === undefined) return;
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    spans.delete(request);
  };
  const channels: Array<[string, (message: unknown) => void]> = [
    ["undici:request:create", onCreate],
    ["undici:request:headers", onHeaders],
    ["undici:request:trailers", onEnd],
    ["undici:request:error", onError],
  ];
  for (const [name, fn] of channels) subscribe(name, fn);
  return () => {
    for (const [name, fn] of channels) unsubscribe(name, fn);
  };
}
