import type { ResponseHeaders } from "./types.js";

const DEFAULT_CODES: Readonly<Record<number, string>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  410: "GONE",
  412: "PRECONDITION_FAILED",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_ENTITY",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_ERROR",
  501: "NOT_IMPLEMENTED",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

/** Options for {@link HttpError}. */
export interface HttpErrorOptions {
  /** Your own stable code; defaults to a name for the status, e.g. `NOT_FOUND`. */
  readonly code?: string;
  /** Structured data sent in the envelope's `details`. */
  readonly details?: unknown;
  /** Extra response headers, e.g. `retry-after`. */
  readonly headers?: ResponseHeaders;
  /** The underlying error (logged, never sent). */
  readonly cause?: unknown;
}

/**
 * Throw from a handler to answer with `status` and the JSON error envelope
 * `{"error": {"code", "message", "requestId", "details"?}}`. The message is sent to the
 * client, so it should not contain secrets.
 */
export class HttpError extends Error {
  /** HTTP status, 400-599. */
  readonly status: number;
  /** Stable code sent in the envelope. */
  readonly code: string;
  /** Structured details sent in the envelope. */
  readonly details: unknown;
  /** Extra response headers. */
  readonly headers: ResponseHeaders | undefined;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(
        `HttpError status must be an integer from 400 to 599, got ${String(status)}`,
      );
    }
    super(
      message ?? DEFAULT_CODES[status] ?? `HTTP ${status}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "HttpError";
    this.status = status;
    this.code = options.code ?? DEFAULT_CODES[status] ?? `HTTP_${status}`;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** Whether `value` is an {@link HttpError} (also across copies of the SDK). */
export function isHttpError(value: unknown): value is HttpError {
  return (
    value instanceof HttpError ||
    (value instanceof Error &&
      value.name === "HttpError" &&
      typeof (value as { status?: unknown }).status === "number")
  );
}
