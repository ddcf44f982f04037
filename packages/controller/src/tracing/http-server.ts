/**
 * The controller's server span: every API request and invoke, continuing the caller's W3C
 * trace (traceparent/tracestate/baggage), active while the request is handled, ended when the
 * response closes with its status and route.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const headerGetter = {
  keys: (carrier: IncomingMessage["headers"]) => Object.keys(carrier),
  get: (carrier: IncomingMessage["headers"], key: string) => carrier[key],
};

/** Options of {@link traceRequests}. */
export interface TraceRequestsOptions {
  readonly tracer: Tracer;
  /** The route template of a request line (low cardinality), or undefined when unknown. */
  readonly routeOf: (method: string, url: string) => string | undefined;
}

/** Wraps a request listener so each request runs inside its own server span. */
export function traceRequests(listener: Listener, options: TraceRequestsOptions): Listener {
  const { tracer, routeOf } = options;
  return (req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const route = routeOf(method, url);
    const parent = propagation.extract(context.active(), req.headers, headerGetter);
    const query = url.indexOf("?");
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_PATH]: query === -1 ? url : url.slice(0, query),
      [ATTR_URL_SCHEME]: "http",
    };
    if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
    const client = req.socket.remoteAddress;
    if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
    const span = tracer.startSpan(
      route === undefined ? method : `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    res.once("close", () => {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500 || !res.writableFinished)
        span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), listener, undefined, req, res);
  };
}
