/** The upstream request of one invoke, built from the client's request (pure, no I/O). */
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { buildUpstreamHeaders, nextTraceparent } from "./headers.js";
import type { InvokeRequest } from "./invoke-handler.js";

/** Whether a request announces a body (most invokes without one skip the wait for it). */
export function announcesBody(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** What {@link buildDispatchOptions} adds to the client's request. */
export interface DispatchInput {
  readonly requestId: string;
  /** Bounds the wait for the replica's headers and between its body chunks. */
  readonly timeoutMs: number;
  readonly body: Dispatcher.DispatchOptions["body"];
  /** Pass the caller's Authorization header on (public functions only). */
  readonly forwardAuthorization?: boolean;
}

/**
 * The undici dispatch options of an invoke: the function's root path with the client's query,
 * its method, the forwarded headers (request id, continued or new trace, X-Forwarded-*) and the
 * invoke's timeout.
 */
export function buildDispatchOptions(
  request: InvokeRequest,
  input: DispatchInput,
): Dispatcher.DispatchOptions {
  const { req } = request;
  const { traceparent, continued } = nextTraceparent(req.headers.traceparent as string | undefined);
  const tracestate = continued ? (req.headers.tracestate as string | undefined) : undefined;
  return {
    path: request.querystring
      ? `${request.path ?? "/"}?${request.querystring}`
      : (request.path ?? "/"),
    method: req.method as Dispatcher.HttpMethod,
    headers: buildUpstreamHeaders(req.rawHeaders, {
      requestId: input.requestId,
      traceparent,
      ...(tracestate !== undefined ? { tracestate } : {}),
      ...(req.socket.remoteAddress ? { clientIp: req.socket.remoteAddress } : {}),
      proto: request.protocol,
      ...(req.headers.host ? { host: req.headers.host } : {}),
      ...(input.forwardAuthorization ? { keepAuthorization: true } : {}),
    }),
    body: input.body,
    headersTimeout: input.timeoutMs,
    bodyTimeout: input.timeoutMs,
  };
}
