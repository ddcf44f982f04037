import { EventFlowError, isConnectionErrorCode, isEventFlowError } from "@eventflow/protocol";

/** Raised by the controller's own invoke timer. */
export class InvokeTimeout extends Error {
  override readonly name = "InvokeTimeout";
}

/** Raised when a streamed request body passes `maxBodyBytes`. */
export class BodyTooLarge extends Error {
  override readonly name = "BodyTooLarge";
}

/** Raised when the client went away; nothing is sent back. */
export class ClientAborted extends Error {
  override readonly name = "ClientAborted";
}

/** Whether the error means the connection to the replica was never made (safe to retry elsewhere). */
export function isConnectRefused(error: unknown): boolean {
  return (error as { code?: unknown })?.code === "ECONNREFUSED";
}

// A connection that broke before any response byte: the replica died (a killed container
// resets the sockets it had not read, closes the others) or closed a keep-alive socket just as
// the request was written to it. Whether the function saw the request is unknown.
const BROKEN_BEFORE_RESPONSE = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

// RFC 9110 9.2.2: requests the client may repeat automatically when the connection fails.
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** What {@link canRetryElsewhere} needs to know about the request that failed. */
export interface FailedRequest {
  readonly method: string;
  /** Flat `[name, value, ...]` list, as the router sends them. */
  readonly headers: readonly string[];
  /** The body as dispatched: a buffer, a stream, or null. */
  readonly body: unknown;
}

function bodyReplayable(body: unknown, untouched: boolean): boolean {
  if (body === null || body === undefined || Buffer.isBuffer(body)) return true;
  // A stream can be sent again only if the failed attempt never started reading it.
  return untouched && !(body as { destroyed?: boolean }).destroyed;
}

function hasIdempotencyKey(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2)
    if (headers[i]!.toLowerCase() === "idempotency-key") return true;
  return false;
}

/**
 * Whether a failed attempt (no response byte received) may be sent to another replica: always
 * when the connection was refused (nothing was sent); when it broke before the response, only
 * for idempotent requests (RFC 9110's methods, or an `Idempotency-Key` header) with a body that
 * can be sent again, since the replica may have run the function before it died.
 */
export function canRetryElsewhere(error: unknown, request: FailedRequest): boolean {
  if (isConnectRefused(error)) return bodyReplayable(request.body, true);
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string" || !BROKEN_BEFORE_RESPONSE.has(code)) return false;
  const idempotent =
    IDEMPOTENT_METHODS.has(request.method.toUpperCase()) || hasIdempotencyKey(request.headers);
  return idempotent && bodyReplayable(request.body, false);
}

/**
 * Converts what undici (or the proxy itself) throws into an EventFlowError: the one place
 * foreign errors of the invoke path are mapped to stable codes.
 */
export function toInvokeError(error: unknown, fnName: string, timeoutMs: number): EventFlowError {
  if (isEventFlowError(error)) return error;
  if (error instanceof InvokeTimeout) {
    return new EventFlowError(
      "INVOKE_TIMEOUT",
      `${fnName} did not answer within ${timeoutMs / 1000} s`,
    );
  }
  if (error instanceof BodyTooLarge)
    return new EventFlowError("REQUEST_BODY_TOO_LARGE", error.message);
  const code = (error as { code?: unknown })?.code;
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new EventFlowError(
      "INVOKE_TIMEOUT",
      `${fnName} did not answer within ${timeoutMs / 1000} s`,
      { cause: error },
    );
  }
  // Timeouts are matched above, so what is left of the list is an unreachable replica.
  if (isConnectionErrorCode(code)) {
    return new EventFlowError(
      "INVOKE_UPSTREAM_UNREACHABLE",
      `a replica of ${fnName} refused or dropped the connection`,
      {
        cause: error,
      },
    );
  }
  return new EventFlowError("INTERNAL", `invoke of ${fnName} failed`, { cause: error });
}
