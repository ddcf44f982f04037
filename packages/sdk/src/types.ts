import type { CloudEvent } from "./cloudevent.js";

/** Request headers as Node delivers them: lower-case names. */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The HTTP request a handler receives. */
export interface HttpEvent<TBody = unknown> {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path without the query string, e.g. `/orders/42`. */
  readonly path: string;
  /** Query parameters; a repeated key keeps its first value (see `searchParams` for all). */
  readonly query: Readonly<Record<string, string>>;
  /** All query parameters, repeated keys included. */
  readonly searchParams: URLSearchParams;
  /** Request headers with lower-case names. */
  readonly headers: Headers;
  /**
   * The body parsed by content type: JSON (`application/json`, `+json`) -> value,
   * `text/*` and form data -> string, anything else -> Buffer; `undefined` when empty.
   * For a CloudEvent this is the event's data.
   */
  readonly body: TBody;
  /** The body exactly as received. */
  readonly rawBody: Buffer;
  /** The CloudEvent carried by the request (binary or structured mode), if any. */
  readonly cloudEvent: CloudEvent | undefined;
}

/** Structured logger bound to one invocation; lines carry the request id and function name. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a handler knows about its invocation. */
export interface Context {
  /** The request id (from `x-request-id`, or generated); also in the response headers. */
  readonly requestId: string;
  /** The function's name (EVENTFLOW_FUNCTION_NAME). */
  readonly functionName: string;
  /** Epoch milliseconds after which the invocation times out. */
  readonly deadline: number;
  /** Fires when the invocation times out or the client disconnects; pass it to I/O. */
  readonly signal: AbortSignal;
  /** Logger bound to this invocation. */
  readonly log: Logger;
  /**
   * The invocation's place in a distributed trace (W3C trace context), for the handler's own
   * logs and calls: with tracing on (OTEL_* variables), the handler span's ids; otherwise the
   * caller's, from the `traceparent` the request came with. Undefined when there is none.
   */
  readonly trace?: TraceContext | undefined;
}

/** Ids of a span in a W3C trace (lower-case hex), and its `traceparent` header value. */
export interface TraceContext {
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  /** `00-<traceId>-<spanId>-<flags>`: send it on to continue the trace. */
  readonly traceparent: string;
}

/** Header values a handler may set. */
export type ResponseHeaders = Record<string, string | number | readonly string[]>;

/** Streaming body: any async iterable of bytes or strings, or a web ReadableStream. */
export type StreamBody = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>;

/** Full control of the response: a numeric `statusCode` makes an object a response. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers?: ResponseHeaders;
  /** Same rules as a plain result: value -> JSON, string -> text, bytes, stream, or none. */
  readonly body?: unknown;
}

/**
 * What a handler may return (or resolve to): a JSON-serialisable value -> 200 JSON,
 * a string -> text/plain, bytes -> application/octet-stream, `undefined` -> 204,
 * an {@link HttpResponse}, a web `Response`, a CloudEvent from `cloudEvent()`, or a stream.
 */
export type HandlerResult =
  | undefined
  | void
  | null
  | string
  | number
  | boolean
  | Uint8Array
  | HttpResponse
  | Response
  | StreamBody
  | readonly unknown[]
  | object;

/** Rejects result types that cannot be sent: functions, symbols and bigints. */
export type SendableResult<R> = [R] extends [(...args: never[]) => unknown]
  ? never
  : [R] extends [symbol]
    ? never
    : [R] extends [bigint]
      ? never
      : R;

/** A plain HTTP handler. */
export type Handler<TBody = unknown, R extends HandlerResult = HandlerResult> = (
  event: HttpEvent<TBody>,
  ctx: Context,
) => R | Promise<R>;

/** A CloudEvent handler: receives the event, may return a reply event from `cloudEvent()`. */
export type CloudEventHandler<TData = unknown, R extends HandlerResult = HandlerResult> = (
  event: CloudEvent<TData>,
  ctx: Context,
) => R | Promise<R>;
