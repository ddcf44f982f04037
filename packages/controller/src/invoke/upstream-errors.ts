import { EventFlowError, isEventFlowError } from "@eventflow/protocol";

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

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

/** Whether the error means the connection to the replica was never made (safe to retry elsewhere). */
export function isConnectRefused(error: unknown): boolean {
  return (error as { code?: unknown })?.code === "ECONNREFUSED";
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
  if (typeof code === "string" && UNREACHABLE.has(code)) {
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
