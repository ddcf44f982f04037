import { ERROR_CODES, isErrorCode, type ErrorCode } from "./error-codes.js";

/** One problem with one field of a request, as listed in `details` of a validation error. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `scaling.maxReplicas`; empty for the whole body. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/** The JSON body the platform sends whenever it (not a function) fails. */
export interface ErrorEnvelope {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId?: string;
    readonly details?: unknown;
  };
}

/** Options for {@link EventFlowError}. */
export interface EventFlowErrorOptions {
  /** Structured extra data, e.g. a list of {@link FieldIssue}. Sent to clients. */
  readonly details?: unknown;
  /** The foreign error this one was converted from. Logged, never sent. */
  readonly cause?: unknown;
  /** Overrides the code's HTTP status (only for codes received from a remote peer). */
  readonly status?: number;
  /** Request id, when the error came back from a server. */
  readonly requestId?: string;
}

/** The one error class of EventFlow: a stable code, its HTTP status and flags. */
export class EventFlowError extends Error {
  /** The stable code, e.g. `FUNCTION_NOT_FOUND`. */
  readonly code: string;
  /** HTTP status this error maps to. */
  readonly status: number;
  /** Whether retrying the same request later may succeed. */
  readonly retryable: boolean;
  /** Whether the message may be shown to clients. */
  readonly expose: boolean;
  /** Structured details sent along with the message. */
  readonly details: unknown;
  /** Request id reported by the server, when known. */
  readonly requestId: string | undefined;

  constructor(
    code: ErrorCode | (string & {}),
    message: string,
    options: EventFlowErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EventFlowError";
    this.code = code;
    const info = isErrorCode(code) ? ERROR_CODES[code] : undefined;
    this.status = options.status ?? info?.status ?? 500;
    this.retryable = info?.retryable ?? (this.status === 429 || this.status === 503);
    this.expose = info?.expose ?? this.status < 500;
    this.details = options.details;
    this.requestId = options.requestId;
  }
}

/** Whether `value` is an {@link EventFlowError} (also across package copies). */
export function isEventFlowError(value: unknown): value is EventFlowError {
  return (
    value instanceof EventFlowError ||
    (value instanceof Error &&
      value.name === "EventFlowError" &&
      typeof (value as { code?: unknown }).code === "string")
  );
}

/** Text sent instead of the real message when an error is not exposed. */
export const GENERIC_ERROR_MESSAGE =
  "An internal error occurred; quote the request id when reporting it.";

/**
 * Response header the platform sets (to the error code) on every envelope it writes itself.
 * A function's answer never carries it (the controller drops it from function responses), so
 * a client tells a platform failure from a function's own error answer without guessing.
 */
export const PLATFORM_ERROR_HEADER = "x-eventflow-error";

/**
 * Request header that carries a local-driver replica's key (EVENTFLOW_REPLICA_KEY in its
 * environment): the controller adds it to every request it proxies, and the runtime refuses
 * requests without it, so other processes on the machine cannot call a replica's loopback port.
 */
export const REPLICA_KEY_HEADER = "x-eventflow-replica-key";

/** Builds the wire envelope for an error; unexposed messages become a generic text. */
export function toErrorEnvelope(error: EventFlowError, requestId?: string): ErrorEnvelope {
  const body: { code: string; message: string; requestId?: string; details?: unknown } = {
    code: error.code,
    message: error.expose ? error.message : GENERIC_ERROR_MESSAGE,
  };
  if (requestId !== undefined) body.requestId = requestId;
  if (error.details !== undefined && error.expose) body.details = error.details;
  return { error: body };
}

/** Whether a parsed JSON body is an {@link ErrorEnvelope}. */
export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== "object" || value === null) return false;
  const inner = (value as { error?: unknown }).error;
  return (
    typeof inner === "object" &&
    inner !== null &&
    typeof (inner as { code?: unknown }).code === "string" &&
    typeof (inner as { message?: unknown }).message === "string"
  );
}

/** Converts an envelope received over HTTP back into an {@link EventFlowError}. */
export function fromErrorEnvelope(envelope: ErrorEnvelope, status: number): EventFlowError {
  const { code, message, requestId, details } = envelope.error;
  return new EventFlowError(code, message, {
    status,
    details,
    ...(requestId === undefined ? {} : { requestId }),
  });
}
