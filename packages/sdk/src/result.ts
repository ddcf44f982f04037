import { isCloudEventReply, toBinary, toStructured, type CloudEventMode } from "./cloudevent.js";
import { BYTES_TYPE, JSON_TYPE, TEXT_TYPE } from "./media-types.js";
import type { ResponseHeaders } from "./types.js";

/** A handler result turned into what goes on the wire. */
export interface PreparedResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | number | readonly string[]>;
  /** No body, a complete body, or a stream written chunk by chunk. */
  body: null | string | Uint8Array | AsyncIterable<Uint8Array | string>;
}

const RESPONSE_KEYS = new Set(["statusCode", "headers", "body"]);

function isAsyncIterable(value: object): value is AsyncIterable<Uint8Array | string> {
  return (
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

function isReadableStream(value: object): value is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== "undefined" && value instanceof ReadableStream;
}

function isWebResponse(value: object): value is Response {
  return typeof Response !== "undefined" && value instanceof Response;
}

/** Whether a value is an `{ statusCode, headers?, body? }` response object. */
export function isHttpResponse(
  value: unknown,
): value is { statusCode: number; headers?: ResponseHeaders; body?: unknown } {
  if (typeof value !== "object" || value === null) return false;
  const status = (value as { statusCode?: unknown }).statusCode;
  if (typeof status !== "number") return false;
  for (const key in value) if (!RESPONSE_KEYS.has(key)) return false;
  return true;
}

async function* fromWebStream(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Body and default content type for a plain value (no status decided). */
export function toBody(value: unknown): {
  body: PreparedResponse["body"];
  contentType: string | undefined;
} {
  if (value === undefined) return { body: null, contentType: undefined };
  if (typeof value === "string") return { body: value, contentType: TEXT_TYPE };
  if (value instanceof Uint8Array) return { body: value, contentType: BYTES_TYPE };
  if (typeof value === "object" && value !== null) {
    if (isReadableStream(value)) return { body: fromWebStream(value), contentType: BYTES_TYPE };
    if (isAsyncIterable(value)) return { body: value, contentType: BYTES_TYPE };
    if (value instanceof ArrayBuffer)
      return { body: new Uint8Array(value), contentType: BYTES_TYPE };
  }
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") {
    throw new TypeError(`a handler cannot return a ${typeof value}`);
  }
  return { body: JSON.stringify(value), contentType: JSON_TYPE };
}

function lowerCaseHeaders(
  headers: ResponseHeaders | undefined,
  into: PreparedResponse["headers"],
): void {
  if (headers === undefined) return;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (value !== undefined) into[key.toLowerCase()] = value;
  }
}

function fromWebResponse(response: Response): PreparedResponse {
  const headers: PreparedResponse["headers"] = {};
  const cookies = response.headers.getSetCookie?.() ?? [];
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  return {
    status: response.status,
    headers,
    body: response.body === null ? null : fromWebStream(response.body),
  };
}

function fromCloudEvent(
  event: Parameters<typeof toStructured>[0],
  mode: CloudEventMode,
): PreparedResponse {
  if (mode === "structured") {
    return {
      status: 200,
      headers: { "content-type": "application/cloudevents+json; charset=utf-8" },
      body: toStructured(event),
    };
  }
  const { headers, body } = toBinary(event);
  return body === undefined ? { status: 202, headers, body: null } : { status: 200, headers, body };
}

/**
 * Turns what a handler returned into a response. `requestMode` is the CloudEvent mode of the
 * request, so that a reply event goes back the way the request came (binary by default).
 */
export function prepareResponse(result: unknown, requestMode?: CloudEventMode): PreparedResponse {
  if (result === undefined) return { status: 204, headers: {}, body: null };
  if (typeof result === "object" && result !== null) {
    if (isWebResponse(result)) return fromWebResponse(result);
    if (isCloudEventReply(result))
      return fromCloudEvent(result.event, result.mode ?? requestMode ?? "binary");
    if (isHttpResponse(result)) {
      const { body, contentType } = toBody(result.body);
      const headers: PreparedResponse["headers"] = {};
      if (contentType !== undefined) headers["content-type"] = contentType;
      lowerCaseHeaders(result.headers, headers);
      return { status: result.statusCode, headers, body };
    }
  }
  const { body, contentType } = toBody(result);
  return {
    status: 200,
    headers: contentType === undefined ? {} : { "content-type": contentType },
    body,
  };
}
